"""The training loop: one process per epoch, resumable at any optimizer step.

The orchestrator runs ``python -m fait_trainer train --config FILE`` once per epoch (config key
``epoch``). The process finds the latest checkpoint in ``checkpoint_dir`` and continues from it:
inside the epoch after a crash, or from the end of the previous epoch. The learning-rate schedule
spans the optimizer steps of all epochs, so the per-epoch processes share one schedule, and the data
order of an epoch depends only on (seed, epoch), so a resumed epoch sees the samples the killed one
would have. A process asked for an epoch that a checkpoint says is done exits successfully at once.

One optimizer step takes ``batch_size * gradient_accumulation`` samples; each process of a
DDP run takes its ``1 / nproc`` share of every micro-batch. The loss of every micro-batch is
normalised by the number of response tokens of the whole optimizer step (all micro-batches, all
processes), so accumulation and DDP give the gradient of one big batch (``loss.weighted_loss``).
"""

from __future__ import annotations

import math
import random
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import get_linear_schedule_with_warmup
from transformers.utils import logging as hf_logging

from . import checkpoint
from .config import Config
from .data import Batch, Sample, collate, epoch_order, load_dataset
from .distributed import Processes, all_reduce, barrier, ensure_group, gather, gradient_sync, resolve_parallelism, setup, shard, teardown
from .errors import EXIT_TERMINATED, BadInputError
from .incorrect import can_reuse, incorrect_probs_plain, incorrect_probs_reuse
from .memory_plan import check_gpu_memory
from .loss import batch_weights, empty_side, statistic_vector, token_nll, token_weights, weighted_nll
from .model import load_model, load_tokenizer, output_complete, write_output
from .progress import Progress, WStats


@dataclass(frozen=True)
class Plan:
    """How samples map onto optimizer steps, micro-batches and processes."""

    samples: int
    batch_size: int
    accumulation: int
    world: int
    epochs: int
    max_steps: int | None

    @property
    def per_step(self) -> int:
        return self.batch_size * self.accumulation

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.samples / self.per_step)

    @property
    def total_steps(self) -> int:
        total = self.epochs * self.steps_per_epoch
        return min(total, self.max_steps) if self.max_steps else total

    def steps_in_epoch(self, epoch: int) -> int:
        return max(0, min(self.steps_per_epoch, self.total_steps - epoch * self.steps_per_epoch))

    def micro_batches(self, order: list[int], step: int) -> list[list[int]]:
        chunk = order[step * self.per_step : (step + 1) * self.per_step]
        return [chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]

    def share(self, micro_batch: list[int], rank: int) -> list[int]:
        per_process = self.batch_size // self.world
        return micro_batch[rank * per_process : (rank + 1) * per_process]

    def fingerprint(self, config: Config) -> dict:
        # What a checkpoint must agree with to be resumed; the number of processes may change.
        return {
            "samples": self.samples, "batch_size": self.batch_size, "gradient_accumulation": self.accumulation,
            "epochs": self.epochs, "max_steps": self.max_steps, "seed": config.seed, "lora": config.lora is not None,
        }  # fmt: skip


class StopFlag:
    """Set by SIGTERM; the loop looks at it after each optimizer step."""

    def __init__(self):
        self.requested = False
        self.previous = signal.signal(signal.SIGTERM, self._set)

    def _set(self, signum, frame):
        self.requested = True

    def restore(self):
        signal.signal(signal.SIGTERM, self.previous)


def bf16_enabled(config: Config, device: torch.device) -> bool:
    """bf16 compute: on CUDA for ``"auto"`` (float32 on CPU, so that CPU runs compare meaningfully), wherever asked for ``true``."""
    return config.bf16 is True or (config.bf16 == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported())


def autocast_for(config: Config, device: torch.device, fsdp: bool = False):
    """(bf16, context factory): bf16 autocast for DDP / one process; under FSDP bf16 comes from its
    mixed-precision policy (parameters gathered in bf16) and autocast stays off."""
    enabled = bf16_enabled(config, device)
    return enabled, lambda: torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=enabled and not fsdp)


# ---------------------------------------------------------------------------------------------
# One micro-batch


@dataclass
class MicroResult:
    loss: float  # this process's share of the step's loss: sum of weight * NLL over its response tokens / num_items
    w: torch.Tensor  # W of the samples whose correct response has marked tokens
    empty_side: torch.Tensor  # of those, which had an empty side in Eq. 5/6 (fait only; all False otherwise)


def micro_loss(model, raw_model, batch: Batch, config: Config, num_items: int, reuse: bool, autocast) -> tuple[torch.Tensor, MicroResult]:
    """Forward on prompt + y^c, W from P^c and P^a (``fait``), and the step's loss on this batch.

    The loss is ``loss.weighted_nll(loss.token_nll(logits, ...), labels, weights, num_items)`` (what
    ``loss.weighted_loss`` computes from the logits; the NLL is kept for P^c) with the weights of
    ``loss.batch_weights`` (rows of ``loss.sample_weights``) or ``loss.token_weights``.
    ``num_items`` is the number of response tokens of the whole optimizer step. ``raw_model`` is
    ``model`` without its DDP wrapper: the no-grad pass over y^a must not join DDP's reducer (under
    FSDP they are the same module, and every process runs that pass, as its all-gathers need).
    """
    with autocast():
        out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=reuse)
    nll = token_nll(out.logits, batch.input_ids)  # every position (P^c of the prompt serves prefix reuse)
    v_correct = batch.v(config.granularity)
    marked = (v_correct > 0).any(1)
    if config.mode == "fait":
        p_correct = torch.exp(-nll.detach())
        with autocast():
            if reuse and can_reuse(getattr(out, "cache", None)):
                p_incorrect = incorrect_probs_reuse(raw_model, out.cache, p_correct, batch)
            else:
                p_incorrect = incorrect_probs_plain(raw_model, batch)
        v_incorrect = batch.incorrect_v(config.granularity)
        stat_correct = statistic_vector(v_correct, batch.v("hybrid"), config.weight_statistic)
        stat_incorrect = statistic_vector(v_incorrect, batch.incorrect_v("hybrid"), config.weight_statistic)
        weights, w = batch_weights(p_correct, v_correct, p_incorrect, v_incorrect, config.alpha, stat_correct=stat_correct, stat_incorrect=stat_incorrect)
        empty = empty_side(stat_correct, stat_incorrect)
    else:
        weights = token_weights(config.mode, v_correct, fixed_weight=config.fixed_weight)
        w = torch.full(marked.shape, 1.0 if config.mode == "sft" else float(config.fixed_weight), device=nll.device)
        empty = torch.zeros_like(marked)
    loss = weighted_nll(nll, batch.labels, weights, num_items)
    return loss, MicroResult(loss=float(loss.detach()), w=w.detach()[marked].double().cpu(), empty_side=empty[marked].cpu())


def forward_backward(model, raw_model, batch: Batch, config: Config, num_items: int, scale: float, reuse: bool, autocast) -> MicroResult:
    """``micro_loss``, then backward of the loss times ``scale``: the number of processes (DDP and
    FSDP average gradients, the step needs their sum), or 0 for the placeholder batch of a process
    without samples."""
    loss, result = micro_loss(model, raw_model, batch, config, num_items, reuse, autocast)
    (loss * scale).backward()
    return result


def gathered_model(sharded, config: Config):
    """Under FSDP: the full state dict gathered into rank 0's host memory, loaded into a plain model
    there (a normal Hugging Face model for ``write_output``); ``None`` on the other processes."""
    import torch.distributed as dist
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

    full = get_model_state_dict(sharded, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
    if dist.get_rank() != 0:
        return None
    model = load_model(config, torch.device("cpu"))
    model.load_state_dict(full)
    return model


# ---------------------------------------------------------------------------------------------
# Where to start


def resume_point(config: Config) -> tuple[Path | None, dict | None, bool]:
    """(checkpoint, its state, whether this process's epoch is already done)."""
    path = checkpoint.latest(config.checkpoint_dir)
    if path is None:
        if config.epoch > 0:
            raise BadInputError(f"epoch {config.epoch} continues from the end of epoch {config.epoch - 1}, but {config.checkpoint_dir} holds no checkpoint")
        return None, None, False
    state = checkpoint.read_state(path)
    if state["finished"] or state["epoch"] > config.epoch or (state["epoch"] == config.epoch and state["epoch_done"]):
        return path, state, True
    if state["epoch"] == config.epoch or (state["epoch"] == config.epoch - 1 and state["epoch_done"]):
        return path, state, False
    raise BadInputError(
        f"the latest checkpoint {path} is at epoch {state['epoch']} step {state['step_in_epoch']}, "
        f"which is not finished: run epoch {state['epoch']} before epoch {config.epoch}"
    )


def report_already_done(config: Config, path: Path, state: dict, progress: Progress, procs: Processes) -> int:
    """The epoch is done: report it again, write the output if a crash came between, and exit 0."""
    progress.emit("start", epoch=config.epoch, epochs=config.epochs, step=state["global_step"], already_done=True)
    progress.emit("resumed", step=state["global_step"], checkpoint=str(path), epoch=state["epoch"], step_in_epoch=state["step_in_epoch"])
    if state["epoch"] == config.epoch:
        progress.emit("epoch_end", epoch=state["epoch"], **WStats(state["w"]).report(config.mode == "fait"), truncated=state["truncated"], step=state["global_step"])
    if state["finished"] and procs.main and not output_complete(config):
        model = load_model(config, torch.device("cpu"))
        checkpoint.load_weights(path, model)
        write_output(model, load_tokenizer(config.model_dir), config, {"global_step": state["global_step"], "checkpoint": str(path)})
    barrier()
    progress.emit(
        "done", epoch=config.epoch, step=state["global_step"], final=state["finished"], skipped=True,
        output_dir=config.output_dir if state["finished"] else None, checkpoint=str(path),
        **WStats(state.get("run_w")).empty_side(config.mode == "fait"),
    )  # fmt: skip
    return 0


# ---------------------------------------------------------------------------------------------
# The run


def train(config: Config, progress: Progress) -> int:
    procs = setup()
    progress.enabled = procs.main
    stop = StopFlag()
    try:
        return run(config, progress, procs, stop)
    finally:
        stop.restore()
        teardown()


def run(config: Config, progress: Progress, procs: Processes, stop: StopFlag) -> int:
    hf_logging.disable_progress_bar()
    if config.batch_size % procs.world:
        raise BadInputError(f"batch_size {config.batch_size} is not divisible by the {procs.world} processes: the global batch must split evenly")
    if procs.main:
        checkpoint.remove_stale(config.checkpoint_dir)
    barrier()
    path, state, done = resume_point(config)
    if done:
        return report_already_done(config, path, state, progress, procs)

    # -- data, model, optimizer ---------------------------------------------------------------
    check_gpu_memory(config, procs.device, procs.world)  # fails up front (bad_input) when the plan does not fit
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    tokenizer = load_tokenizer(config.model_dir)
    dataset = load_dataset(tokenizer, config.pairs, config.masks, config.prompt_format, config.max_length)
    samples = dataset.samples
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (tokenizer.eos_token_id or 0)
    plan = Plan(len(samples), config.batch_size, config.gradient_accumulation, procs.world, config.epochs, config.max_steps)
    if state is not None and state["fingerprint"] != plan.fingerprint(config):
        raise BadInputError(f"checkpoint {path} was written for another run ({state['fingerprint']} vs {plan.fingerprint(config)}); use a new checkpoint_dir")

    parallelism = resolve_parallelism(config, procs)
    if config.cpu_offload and parallelism != "fsdp":
        raise BadInputError(f"config: cpu_offload needs parallelism fsdp, and parallelism {config.parallelism!r} resolved to {parallelism!r}")
    if parallelism == "fsdp":
        ensure_group(procs)  # also for one process: FSDP runs on a process group
        # Loaded on the CPU; fully_shard moves each process's shards to its device.
        raw_model = model = shard(load_model(config, torch.device("cpu")), bf16_enabled(config, procs.device), config.cpu_offload)
    else:
        raw_model = model = load_model(config, procs.device)
        if procs.distributed:
            model = torch.nn.parallel.DistributedDataParallel(raw_model, device_ids=[procs.device.index] if procs.device.type == "cuda" else None)
    parameters = [p for p in raw_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, math.ceil(config.warmup_ratio * plan.total_steps), plan.total_steps)
    bf16, autocast = autocast_for(config, procs.device, fsdp=parallelism == "fsdp")
    # The training forward's cache stands in for the shared prefix; gradient checkpointing runs
    # without a cache, so it falls back to the plain extra forward.
    reuse = config.mode == "fait" and config.prefix_reuse and not config.gradient_checkpointing

    progress.emit(
        "start", epoch=config.epoch, epochs=config.epochs, samples=len(samples), steps_per_epoch=plan.steps_per_epoch,
        total_steps=plan.total_steps, step=state["global_step"] if state else 0, world_size=procs.world, parallelism=parallelism,
        cpu_offload=config.cpu_offload,
        device=str(procs.device), mode=config.mode, granularity=config.granularity,
        weight_statistic=config.weight_statistic, prefix_reuse=reuse, bf16=bf16, truncated=dataset.truncated,
        incorrect_truncated=dataset.incorrect_truncated, dropped=len(dataset.dropped),
    )  # fmt: skip

    # -- resume ---------------------------------------------------------------------------------
    # w_stats: this epoch's W; run_stats: the whole run's (for the empty-side share in ``done``).
    epoch, step_in_epoch, global_step, w_stats, run_stats = config.epoch, 0, 0, WStats(), WStats()
    if path is not None:
        state = checkpoint.load(path, raw_model, optimizer, scheduler, procs.rank)
        global_step, run_stats = state["global_step"], WStats(state.get("run_w"))
        if state["epoch"] == epoch:  # else it closed the previous epoch: this one starts at step 0
            step_in_epoch, w_stats = state["step_in_epoch"], WStats(state["w"])
        progress.emit("resumed", step=global_step, checkpoint=str(path), epoch=state["epoch"], step_in_epoch=state["step_in_epoch"])

    def save(epoch_done: bool) -> Path | None:
        state = {
            "epoch": epoch, "step_in_epoch": step_in_epoch, "global_step": global_step, "epoch_done": epoch_done,
            "finished": global_step >= plan.total_steps, "w": w_stats.as_dict(), "run_w": run_stats.as_dict(), "truncated": dataset.truncated,
            "fingerprint": plan.fingerprint(config),
        }  # fmt: skip
        rng = gather(checkpoint.rng_state())  # every rank's generators, written by rank 0
        saved = checkpoint.save(config.checkpoint_dir, state, raw_model, optimizer, scheduler, rng, config.keep_checkpoints, procs.main)
        if procs.main:
            progress.emit("checkpoint", step=global_step, path=str(saved))
        barrier()
        return saved

    latest, last_save = path, time.monotonic()
    if all_reduce(torch.tensor([float(stop.requested)])).item():  # SIGTERM while loading: nothing new to save
        progress.emit("terminated", step=global_step, checkpoint=str(path) if path else None)
        return EXIT_TERMINATED

    # -- the loop -------------------------------------------------------------------------------
    order = epoch_order(len(samples), config.seed, epoch)
    steps_this_epoch = plan.steps_in_epoch(epoch)
    while step_in_epoch < steps_this_epoch:
        started = time.perf_counter()
        lr = scheduler.get_last_lr()[0]
        micro_batches = plan.micro_batches(order, step_in_epoch)
        step_samples: list[Sample] = [samples[i] for micro in micro_batches for i in micro]
        num_items = sum(s.num_labels for s in step_samples)
        loss, w_values, empty_values = 0.0, [], []
        for i, micro in enumerate(micro_batches):
            mine = plan.share(micro, procs.rank)
            # A process with no sample in a short last batch still has to join the all-reduce.
            batch = collate([samples[j] for j in (mine or micro[:1])], pad_id).to(procs.device)
            last = i == len(micro_batches) - 1
            with gradient_sync(model, parallelism, enabled=last):
                result = forward_backward(model, raw_model, batch, config, num_items, procs.world if mine else 0.0, reuse, autocast)
            if mine:
                loss += result.loss
                w_values.append(result.w)
                empty_values.append(result.empty_side)
        if config.max_grad_norm:
            torch.nn.utils.clip_grad_norm_(parameters, config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step_in_epoch += 1
        global_step += 1

        # One all-reduce for the numbers every rank must agree on, one for the extremes of W.
        w = torch.cat(w_values).double() if w_values else torch.zeros(0, dtype=torch.float64)
        empty = int(torch.cat(empty_values).sum()) if empty_values else 0
        due_by_time = config.checkpoint_every_minutes is not None and time.monotonic() - last_save >= 60 * config.checkpoint_every_minutes
        totals = all_reduce(torch.tensor([loss, len(w), float(w.sum()), float((w**2).sum()), empty, stop.requested, due_by_time], dtype=torch.float64))
        extremes = all_reduce(torch.tensor([float(w.max()) if len(w) else -math.inf, float(-w.min()) if len(w) else -math.inf], dtype=torch.float64), "max")
        loss, w_count, w_sum, w_sumsq, empty, stop_requested, due_by_time = totals.tolist()
        for stats in (w_stats, run_stats):
            stats.add(int(w_count), w_sum, w_sumsq, -extremes[1].item(), extremes[0].item(), int(empty))
        progress.emit(
            "step", epoch=epoch, step=global_step, total_steps=plan.total_steps, loss=loss,
            mean_w=w_sum / w_count if w_count else None,
            empty_side_share=empty / w_count if config.mode == "fait" and w_count else None,
            marked_share=sum(s.marked(config.granularity) for s in step_samples) / num_items,
            tokens_per_s=sum(len(s.input_ids) for s in step_samples) / (time.perf_counter() - started), lr=lr,
        )  # fmt: skip

        epoch_over = step_in_epoch == steps_this_epoch
        due_by_steps = config.checkpoint_every_steps is not None and global_step % config.checkpoint_every_steps == 0
        if stop_requested or ((due_by_steps or due_by_time) and not epoch_over):
            latest, last_save = save(epoch_done=epoch_over) or latest, time.monotonic()
        if stop_requested:
            progress.emit("terminated", step=global_step, checkpoint=str(latest) if latest else None)
            return EXIT_TERMINATED

    # -- the end of the epoch -------------------------------------------------------------------
    latest = save(epoch_done=True) or latest
    fait = config.mode == "fait"
    progress.emit("epoch_end", epoch=epoch, **w_stats.report(fait), truncated=dataset.truncated, step=global_step)
    final = global_step >= plan.total_steps
    if final:
        summary = {"global_step": global_step, "epochs": config.epochs, "mode": config.mode, **run_stats.empty_side(fait)}
        output_model = gathered_model(raw_model, config) if parallelism == "fsdp" else raw_model  # every process gathers
        if procs.main:
            write_output(output_model, tokenizer, config, summary)
    barrier()
    progress.emit(
        "done", epoch=epoch, step=global_step, final=final, skipped=False,
        output_dir=config.output_dir if final else None, checkpoint=str(latest) if latest else None,
        **run_stats.empty_side(fait),
    )  # fmt: skip
    return 0
