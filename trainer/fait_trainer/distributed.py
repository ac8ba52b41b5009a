"""Several processes (DDP or FSDP2): process group set-up, sharding, the few collectives the loop needs, and ``launch``.

``launch`` runs ``torchrun --standalone --nproc_per_node N -m fait_trainer train --config FILE``
(as ``python -m torch.distributed.run``, so it uses this interpreter; ``--standalone`` picks a free
rendezvous port, so runs side by side do not collide). Every process loads and orders the whole
dataset identically and takes its share of each global batch, so the global batch, the loss
normaliser and hence the updates are those of a single process with the same ``batch_size``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist

from .errors import EXIT_CODES, EXIT_TERMINATED, BadInputError


@dataclass(frozen=True)
class Processes:
    rank: int
    world: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1


def setup() -> Processes:
    """Joins the process group torchrun describes in the environment (NCCL on CUDA, gloo on CPU)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    cuda = torch.cuda.is_available()
    if world == 1:
        return Processes(0, 1, torch.device("cuda" if cuda else "cpu"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if cuda:
        torch.cuda.set_device(local_rank)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    return Processes(dist.get_rank(), dist.get_world_size(), device)


def resolve_parallelism(config, procs: Processes) -> str:
    """``"ddp"`` or ``"fsdp"`` for ``training.parallelism`` (``config.parallelism``).

    ``auto`` is decided by the memory plan (``memory_plan.resolve_parallelism``: fsdp when the model
    would not fit per process with ddp, or with ``cpu_offload``), against the total memory of this
    process's GPU, so ``fait plan`` and the trainer choose alike. On CPU (gloo) ``auto`` is ddp
    unless ``cpu_offload`` asks for FSDP: the plan is a GPU plan.
    """
    from .memory_plan import Gpus
    from .memory_plan import resolve_parallelism as planned

    if config.parallelism != "auto":
        return config.parallelism
    if procs.device.type != "cuda":
        return "fsdp" if config.cpu_offload else "ddp"
    total = torch.cuda.get_device_properties(procs.device).total_memory
    return planned(config, config.model_dir, Gpus(procs.world, total, f"total of {procs.device}"))


def ensure_group(procs: Processes) -> None:
    """FSDP needs a process group even for one process: a single-rank group on an in-memory store."""
    if not dist.is_initialized():
        dist.init_process_group("nccl" if procs.device.type == "cuda" else "gloo", store=dist.HashStore(), rank=0, world_size=1)


def fsdp_layers(model) -> list:
    """The decoder layers (the classes Hugging Face lists as ``_no_split_modules``), each its own FSDP unit."""
    names = set()
    for module in model.modules():
        names.update(getattr(module, "_no_split_modules", None) or [])
    return [m for m in model.modules() if type(m).__name__ in names]


def shard(model, bf16: bool, cpu_offload: bool):
    """FSDP2: ``fully_shard`` on each decoder layer, then on the whole model (embeddings, norm, head).

    Sharded parameters stay in the master dtype (float32), and so do gradients and AdamW's state
    (created on the sharded parameters). With ``bf16`` the layers gather their parameters in
    bfloat16 and compute in it, and gradients are reduce-scattered in float32.
    ``cpu_offload`` keeps the shards (and so the optimizer step) in host memory.
    """
    from torch.distributed.fsdp import CPUOffloadPolicy, MixedPrecisionPolicy, OffloadPolicy, fully_shard

    policy = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32) if bf16 else MixedPrecisionPolicy()
    offload = CPUOffloadPolicy() if cpu_offload else OffloadPolicy()
    for layer in fsdp_layers(model):
        fully_shard(layer, mp_policy=policy, offload_policy=offload)
    fully_shard(model, mp_policy=policy, offload_policy=offload)
    return model


@contextlib.contextmanager
def gradient_sync(model, parallelism: str, enabled: bool):
    """Gradient accumulation: only the last micro-batch of a step reduces gradients over processes."""
    if enabled or not (dist.is_available() and dist.is_initialized()):
        yield
    elif parallelism == "fsdp":
        model.set_requires_gradient_sync(False)
        try:
            yield
        finally:
            model.set_requires_gradient_sync(True)
    else:
        with model.no_sync():
            yield


def teardown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def all_reduce(tensor: torch.Tensor, op: str = "sum") -> torch.Tensor:
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM if op == "sum" else dist.ReduceOp.MAX)
    return tensor


def gather(obj) -> list:
    """Every rank's ``obj`` in rank order on rank 0 (a list of one without a process group)."""
    if not (dist.is_available() and dist.is_initialized()):
        return [obj]
    out = [None] * dist.get_world_size() if dist.get_rank() == 0 else None
    dist.gather_object(obj, out, dst=0)
    return out


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name (field 2) may hold spaces; the parent pid is the 2nd field after it.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def launch(config_path: str, config, stdout) -> int:
    """Runs the training processes under torchrun, relaying rank 0's progress lines.

    torchrun starts each worker in its own session, so a SIGTERM sent to this process (or its
    process group) would not reach them: it is forwarded to each worker, which finishes its step,
    checkpoints and exits 143. If several ranks report an error only the first line is passed on.
    """
    if config.batch_size % config.nproc:
        raise BadInputError(
            f"batch_size {config.batch_size} is not divisible by nproc {config.nproc}: "
            "each process takes batch_size / nproc samples of every batch"
        )
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={config.nproc}",
        "-m", "fait_trainer", "train", "--config", config_path,
    ]  # fmt: skip
    runner = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)

    def forward(signum, frame):
        for pid in _children(runner.pid):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous = signal.signal(signal.SIGTERM, forward)
    first_error, terminated = None, False
    try:
        for line in runner.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                sys.stderr.write(line)
                continue
            if event.get("event") == "error":
                if first_error is not None:
                    sys.stderr.write(line)
                    continue
                first_error = event.get("kind", "internal")
            terminated = terminated or event.get("event") == "terminated"
            stdout.write(line)
            stdout.flush()
        code = runner.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code == 0:
        return 0
    if first_error is not None:
        return EXIT_CODES.get(first_error, 1)
    if terminated:
        return EXIT_TERMINATED
    stdout.write(json.dumps({"event": "error", "kind": "internal", "message": f"torchrun exited with code {code}; see stderr"}) + "\n")
    stdout.flush()
    return EXIT_CODES["internal"]
