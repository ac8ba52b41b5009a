"""Per-GPU memory of a training run, estimated before any GPU hour (``fait plan``, and the check
the trainer makes at start-up).

Parameters are counted exactly: the model is built from its ``config.json`` on the meta device
(no weights, no memory). The rest is a model of what the trainer holds, per process:

* **parameters**: float32 (the trainer keeps float32 master weights; ``bf16`` is autocast), 4 B each;
  under ``fsdp`` sharded over the processes (FSDP2 shards parameters, gradients and optimizer state).
* **bf16 weight copies** (``bf16`` on, ``ddp``): autocast casts each Linear weight to bf16 for the
  matmul and the autograd graph keeps that copy until backward: 2 B per Linear parameter (with
  activation checkpointing only the output layer's and one decoder layer's). Under ``fsdp`` the
  compute copies are the all-gathered layers (next item) instead.
* **all-gathered layers** (``fsdp``): the unsharded parameters of the layer being computed, the
  prefetched next one and one layer's unsharded gradients before reduce-scatter (3 x the largest
  decoder layer), plus the root group (embeddings, final norm, output layer), which FSDP2 keeps
  unsharded between forward and backward; in bf16 when ``bf16`` is on (FSDP2's
  ``MixedPrecisionPolicy(param_dtype=bfloat16)``), else float32.
* **gradients**: 4 B per trainable parameter (sharded under ``fsdp``); with ``ddp`` over more than
  one process, DDP's gradient buckets hold a second copy.
* **optimizer**: AdamW's two float32 moments, 8 B per trainable parameter (sharded under ``fsdp``).
  The step itself needs 4 B per trainable parameter of temporaries (``foreach`` AdamW's sqrt of
  the second moment) while the activations are already freed, so it counts only if it is the
  larger of the two peaks.
* **activations** for ``micro_batch x max_length`` tokens (every sequence padded to ``max_length``:
  the worst batch), per decoder layer and token, counted from the tensors transformers 5's Llama
  forward saves for backward (``torch.autograd.graph.saved_tensors_hooks``, see
  ``ACTIVATION_WORDS``): without autocast ``4 (8h + 2kv + 4i + a + 2)`` bytes, with bf16 autocast
  ``4 (4h + a + 2) + 2 (7h + 3kv + 4i)``, plus a padded batch's attention mask ``4 s`` per token; with
  activation checkpointing only the layer inputs (``4h``) per layer plus one layer recomputed in
  backward. Outside the layers: ``4 * 3h`` per token (embedding output, final norm).
* **logits**: ``micro_batch x max_length x vocab`` values: the logits (2 B under bf16 autocast,
  else 4), the float32 log-softmax the loss keeps for backward (4), and the larger of the loss's
  backward (two float32 gradients, 8) and, in ``fait`` mode, the no-grad forward over the
  incorrect response (its logits, their float32 copy and log-softmax: 2 or 4, + 8).
* **overhead**: 1.5 GiB (CUDA context, cuBLAS workspaces, NCCL buffers) plus 5% of everything else
  (allocator fragmentation).

The activation coefficients are Llama's (LlamaForCausalLM; Mistral, Qwen2 and the other
Llama-shaped families save the same tensors); other architectures get the same formula as an
approximation. ``tests/test_memory_plan.py`` checks the estimate against measured peak memory of a
real training step on CPU.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import BadInputError

GIB = 1024**3
OVERHEAD_FIXED = int(1.5 * GIB)
OVERHEAD_SHARE = 0.05
DEFAULT_GPU_MEMORY = 80 * GIB  # "80 GB" cards (A100/H100 80GB) have 80 GiB


# ---------------------------------------------------------------------------------------------
# The model's shape, counted on the meta device


@dataclass(frozen=True)
class ModelShape:
    parameters: int  # all parameters (tied weights once)
    linear_parameters: int  # parameters of nn.Linear weights: what bf16 autocast copies
    layer_linear_parameters: int  # of those, the ones inside decoder layers
    largest_layer: int  # parameters of the largest decoder layer (FSDP's unit)
    root_parameters: int  # parameters outside the decoder layers (embeddings, final norm, output layer)
    layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    architecture: str
    linear_shapes: tuple  # (module name, in_features, out_features) of every nn.Linear

    def lora_parameters(self, r: int, targets) -> int:
        """peft's LoRA adapters (A: r x in, B: out x r, no bias) on every Linear whose name ends in a target."""
        targets = set(targets)
        return sum(r * (n_in + n_out) for name, n_in, n_out in self.linear_shapes if name.rsplit(".", 1)[-1] in targets)

    def as_dict(self) -> dict:
        return {
            "architecture": self.architecture, "parameters": self.parameters, "layers": self.layers,
            "hidden": self.hidden, "intermediate": self.intermediate, "heads": self.heads,
            "kv_heads": self.kv_heads, "vocab": self.vocab, "largest_layer": self.largest_layer,
        }  # fmt: skip


def load_model_config(model_config):
    """A transformers config from a config object, a dict or a model directory holding config.json."""
    from transformers import AutoConfig, PretrainedConfig

    if isinstance(model_config, PretrainedConfig):
        return model_config
    if isinstance(model_config, dict):
        raw = dict(model_config)
        kind = raw.pop("model_type", None)
        if kind is None:
            raise BadInputError("model config: no model_type")
        return AutoConfig.for_model(kind, **raw)
    path = Path(model_config)
    if not (path / "config.json").is_file():
        raise BadInputError(f"model directory {model_config} has no config.json: not a Hugging Face model directory")
    try:
        return AutoConfig.from_pretrained(str(path))
    except (OSError, ValueError, KeyError) as error:
        raise BadInputError(f"{path / 'config.json'}: cannot read the model config ({error})") from None


def model_shape(model_config) -> ModelShape:
    """Exact parameter counts from the model built on the meta device (no weights are read or allocated)."""
    import torch
    from transformers import AutoModelForCausalLM

    config = load_model_config(model_config)
    try:
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(config)
    except (ValueError, KeyError) as error:
        raise BadInputError(f"model config ({getattr(config, 'model_type', '?')}): not a causal language model transformers can build ({error})") from None
    layers = _decoder_layers(model)
    in_layers = {id(p) for layer in layers for p in layer.parameters()}
    parameters = sum(p.numel() for p in model.parameters())  # parameters() yields a tied weight once
    linears = [(name, m.in_features, m.out_features) for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    weights = {id(m.weight): m.weight for m in model.modules() if isinstance(m, torch.nn.Linear)}
    linear_parameters = sum(w.numel() for w in weights.values())
    layer_linear_parameters = sum(w.numel() for key, w in weights.items() if key in in_layers)
    hidden = config.hidden_size
    heads = config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or hidden // heads
    return ModelShape(
        parameters=parameters,
        linear_parameters=linear_parameters,
        layer_linear_parameters=layer_linear_parameters,
        largest_layer=max((sum(p.numel() for p in layer.parameters()) for layer in layers), default=0),
        root_parameters=sum(p.numel() for p in model.parameters() if id(p) not in in_layers),
        layers=len(layers),
        hidden=hidden,
        intermediate=getattr(config, "intermediate_size", None) or 4 * hidden,
        heads=heads,
        kv_heads=getattr(config, "num_key_value_heads", None) or heads,
        head_dim=head_dim,
        vocab=config.vocab_size,
        architecture=type(model).__name__,
        linear_shapes=tuple(linears),
    )


def _decoder_layers(model) -> list:
    """The repeated blocks: the longest ModuleList in the model (``model.layers`` for Llama)."""
    import torch

    lists = [m for m in model.modules() if isinstance(m, torch.nn.ModuleList)]
    return list(max(lists, key=len)) if lists else []


# ---------------------------------------------------------------------------------------------
# Settings and GPUs


@dataclass(frozen=True)
class Gpus:
    count: int
    memory: int  # bytes per device
    source: str = "given"  # where the memory figure comes from, for messages


@dataclass(frozen=True)
class Setting:
    """What decides the memory of one process."""

    parallelism: str  # "ddp" or "fsdp"
    world: int
    micro_batch: int  # samples per process per forward
    max_length: int
    bf16: bool
    gradient_checkpointing: bool
    mode: str
    lora: tuple | None  # (r, target_modules)
    cpu_offload: bool = False

    def describe(self) -> str:
        parts = [self.parallelism, f"{self.world} process{'es' if self.world > 1 else ''}", f"micro-batch {self.micro_batch} x {self.max_length} tokens"]
        parts.append("bf16 autocast" if self.bf16 else "float32")
        if self.gradient_checkpointing:
            parts.append("activation checkpointing")
        if self.lora:
            parts.append(f"LoRA r={self.lora[0]}")
        if self.cpu_offload:
            parts.append("cpu offload")
        return ", ".join(parts)


def setting_from_config(config, world: int, parallelism: str, *, cuda: bool = True) -> Setting:
    """The trainer config's settings for ``world`` processes (``bf16: auto`` is bf16 on CUDA)."""
    bf16 = config.bf16 is True or (config.bf16 == "auto" and cuda)
    lora = (config.lora.r, tuple(config.lora.target_modules)) if config.lora is not None else None
    return Setting(
        parallelism=parallelism, world=world, micro_batch=max(1, config.batch_size // world), max_length=config.max_length,
        bf16=bf16, gradient_checkpointing=config.gradient_checkpointing, mode=config.mode, lora=lora,
        cpu_offload=bool(getattr(config, "cpu_offload", False)) and parallelism == "fsdp",
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The estimate

# Words (per token, per decoder layer) that transformers 5's LlamaDecoderLayer saves for backward,
# counted with saved_tensors_hooks on CPU for several (h, kv, i, a) and solved for the coefficients.
ACTIVATION_WORDS = {
    # float32 throughout: 8 h-sized (residual, norm outputs, q, rotated q, attention output and its
    # transposed copy), 2 kv-sized (rotated k, v), 4 i-sized (gate, up, silu, product), a + 2 scalars.
    "float32": lambda h, kv, i, a: 4 * (8 * h + 2 * kv + 4 * i + a + 2),
    # bf16 autocast: the residual stream and the norms stay float32 (4h words), the matmul inputs
    # (one bf16 cast per projection) and outputs are bf16 (7h + 3kv + 4i half-words).
    "bf16": lambda h, kv, i, a: 4 * (4 * h + a + 2) + 2 * (7 * h + 3 * kv + 4 * i),
}


def estimate(shape: ModelShape, setting: Setting) -> dict:
    """Bytes per process by component, ``total`` and a ``peak`` note; see the module docstring."""
    shard = setting.world if setting.parallelism == "fsdp" else 1
    trainable = shape.lora_parameters(setting.lora[0], setting.lora[1]) if setting.lora else shape.parameters
    e = 2 if setting.bf16 else 4
    tokens = setting.micro_batch * setting.max_length
    h, kv, i, a = shape.hidden, shape.kv_heads * shape.head_dim, shape.intermediate, shape.heads
    on_gpu = not setting.cpu_offload

    parts: dict[str, int] = {}
    parts["parameters"] = math.ceil(4 * shape.parameters / shard) if on_gpu else 0
    if setting.parallelism == "fsdp":
        parts["gathered_layers"] = e * (3 * shape.largest_layer + shape.root_parameters)
        parts["bf16_weight_copies"] = 0
    else:
        parts["gathered_layers"] = 0
        if not setting.bf16:
            parts["bf16_weight_copies"] = 0
        elif setting.gradient_checkpointing:
            # The output layer's copy lives to backward; inside a checkpointed layer only during its recompute.
            inside = shape.layer_linear_parameters
            parts["bf16_weight_copies"] = 2 * (shape.linear_parameters - inside + inside // max(1, shape.layers))
        else:
            parts["bf16_weight_copies"] = 2 * shape.linear_parameters
    parts["gradients"] = math.ceil(4 * trainable / shard) if on_gpu else 0
    parts["ddp_buckets"] = 4 * trainable if setting.parallelism == "ddp" and setting.world > 1 else 0
    parts["optimizer"] = math.ceil(8 * trainable / shard) if on_gpu else 0

    per_layer = ACTIVATION_WORDS["bf16" if setting.bf16 else "float32"](h, kv, i, a) + 4 * setting.max_length
    saved_per_layer = 4 * h if setting.gradient_checkpointing else per_layer
    parts["activations"] = tokens * (saved_per_layer * shape.layers + 4 * 3 * h)
    # The loss's peak comes first in backward; a checkpointed layer is recomputed only after the
    # logits' gradients are freed, so the two transients do not add up: the larger one counts.
    loss_backward = 8
    incorrect_forward = e + 4 + (4 if setting.bf16 else 0) if setting.mode == "fait" else 0
    logits = tokens * shape.vocab * (e + 4 + max(loss_backward, incorrect_forward))
    parts["logits"] = max(logits, tokens * per_layer if setting.gradient_checkpointing else 0)

    step_temporaries = math.ceil(4 * trainable / shard) if on_gpu else 0
    forward_backward = parts["activations"] + parts["logits"] + parts["bf16_weight_copies"]
    persistent = sum(v for k, v in parts.items() if k not in ("activations", "logits", "bf16_weight_copies"))
    peak_phase = "forward/backward" if forward_backward >= step_temporaries else "optimizer step"
    if peak_phase == "optimizer step":
        parts["activations"], parts["logits"], parts["bf16_weight_copies"] = 0, 0, 0
        parts["optimizer_step"] = step_temporaries
    else:
        parts["optimizer_step"] = 0
    subtotal = persistent + max(forward_backward, step_temporaries)
    parts["overhead"] = OVERHEAD_FIXED + math.ceil(OVERHEAD_SHARE * subtotal)
    return {"components": parts, "total": subtotal + parts["overhead"], "trainable": trainable, "peak_phase": peak_phase}


def fits(shape: ModelShape, setting: Setting, gpu_memory: int) -> bool:
    return estimate(shape, setting)["total"] <= gpu_memory


# ---------------------------------------------------------------------------------------------
# Parallelism and what would fit


def resolve_parallelism(config, model_config, gpus) -> str:
    """``training.parallelism``: ``ddp`` or ``fsdp`` as set; ``auto``: fsdp when the model would not
    fit per process with ddp (and with ``cpu_offload``, which only FSDP does). One process is ddp
    unless offloading: FSDP over one process shards nothing.

    ``model_config``: a transformers config, a dict or a model directory, or an already counted
    ``ModelShape``; ``gpus``: a ``Gpus`` (count and bytes per device).
    """
    chosen = getattr(config, "parallelism", "auto")
    if chosen in ("ddp", "fsdp"):
        return chosen
    if getattr(config, "cpu_offload", False):
        return "fsdp"
    if gpus.count <= 1:
        return "ddp"
    shape = model_config if isinstance(model_config, ModelShape) else model_shape(model_config)
    return "ddp" if fits(shape, setting_from_config(config, gpus.count, "ddp"), gpus.memory) else "fsdp"


def alternatives(shape: ModelShape, setting: Setting, gpu_memory: int, batch_size: int, accumulation: int, limit: int = 4) -> list[dict]:
    """Settings that would fit, fewest changes first, as experiment-file keys and their estimate."""
    options = []
    if setting.world > 1 and setting.parallelism != "fsdp":
        options.append(({"training.parallelism": "fsdp"}, {"parallelism": "fsdp"}))
    if not setting.gradient_checkpointing:
        options.append(({"training.gradientCheckpointing": True}, {"gradient_checkpointing": True}))
    micro = setting.micro_batch
    while micro > 1:
        micro //= 2
        factor = setting.micro_batch // micro
        options.append((
            {"training.batchSize": batch_size // factor, "training.gradientAccumulation": accumulation * factor},
            {"micro_batch": micro},
        ))  # fmt: skip
    if setting.lora is None:
        options.append(({"training.lora": {"r": 16, "alpha": 32, "dropout": 0.05}}, {"lora": (16, ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"))}))
    if not setting.cpu_offload:
        options.append(({"training.parallelism": "fsdp", "training.cpuOffload": True}, {"parallelism": "fsdp", "cpu_offload": True}))
    found, seen = [], set()
    for size in range(1, 4):
        for combo in _combinations(options, size):
            keys, changes = {}, {}
            for k, c in combo:
                keys.update(k)
                changes.update(c)
            if len(keys) != sum(len(k) for k, _ in combo) and not (set(keys) <= {"training.parallelism", "training.cpuOffload"}):
                continue
            candidate = replace(setting, **changes)
            name = json.dumps(keys, sort_keys=True)
            # A superset of a setting that already fits adds nothing.
            if name in seen or any(all(keys.get(k) == v for k, v in f["set"].items()) for f in found):
                continue
            seen.add(name)
            total = estimate(shape, candidate)["total"]
            if total <= gpu_memory:
                found.append({"set": keys, "total": total})
                if len(found) >= limit:
                    return found
    return found


def _combinations(options, size):
    from itertools import combinations

    return combinations(options, size)


# ---------------------------------------------------------------------------------------------
# The plan (``python -m fait_trainer plan``) and the trainer's check


def plan(config, gpus: Gpus, *, shape: ModelShape | None = None) -> dict:
    """The memory part of ``fait plan``: per-process estimates for ddp and fsdp, the chosen one, what fits."""
    shape = shape or model_shape(config.model_dir)
    chosen = resolve_parallelism(config, shape, gpus)
    result = {"model": shape.as_dict(), "gpus": {"count": gpus.count, "memory": gpus.memory, "source": gpus.source}, "parallelism": chosen, "estimates": {}}
    for parallelism in ("ddp", "fsdp"):
        setting = setting_from_config(config, gpus.count, parallelism)
        est = estimate(shape, setting)
        result["estimates"][parallelism] = {**est, "setting": setting.describe(), "fits": est["total"] <= gpus.memory}
    chosen_setting = setting_from_config(config, gpus.count, chosen)
    result["fits"] = result["estimates"][chosen]["fits"]
    result["alternatives"] = [] if result["fits"] else alternatives(shape, chosen_setting, gpus.memory, config.batch_size, config.gradient_accumulation)
    return result


def gib(n: int) -> str:
    return f"{n / GIB:.1f} GiB"


def not_fitting_message(result: dict) -> str:
    chosen = result["parallelism"]
    est = result["estimates"][chosen]
    parts = ", ".join(f"{k.replace('_', ' ')} {gib(v)}" for k, v in est["components"].items() if v)
    lines = [
        f"training needs about {gib(est['total'])} per GPU ({est['setting']}: {parts}), "
        f"but each of the {result['gpus']['count']} GPU(s) has {gib(result['gpus']['memory'])} ({result['gpus']['source']})"
    ]
    if result["alternatives"]:
        lines.append("settings that would fit: " + "; ".join(f"{_keys(a['set'])} ({gib(a['total'])})" for a in result["alternatives"]))
    else:
        lines.append("no combination of fsdp, gradientCheckpointing, a smaller micro-batch, LoRA and cpuOffload fits: use more or larger GPUs")
    return "\n".join(lines)


def _keys(keys: dict) -> str:
    return ", ".join(f"{k}: {json.dumps(v)}" for k, v in keys.items())


def check_gpu_memory(config, device, world: int, log=None) -> dict | None:
    """The trainer's up-front check: the plan against the free memory of this process's GPU.

    Not fitting is ``bad_input`` (non-retryable; the message has the numbers and settings that
    would fit). On CPU it is skipped, and ``log`` says so.
    """
    import sys

    import torch

    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    if device.type != "cuda":
        log("memory plan: skipped (no CUDA device; the estimate is for GPUs)")
        return None
    free, total = torch.cuda.mem_get_info(device)
    gpus = Gpus(world, free, f"free on {device} of {gib(total)}")
    result = plan(config, gpus)
    log(f"memory plan: {result['parallelism']} needs about {gib(result['estimates'][result['parallelism']]['total'])} per GPU; {gib(free)} free on {device}")
    if not result["fits"]:
        raise BadInputError(not_fitting_message(result))
    return result


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?)?\s*$", re.IGNORECASE)


def parse_memory(text: str) -> int:
    """``80GB``, ``80GiB``, ``81920MiB``, or bytes. GB means GiB: GPU vendors' "80 GB" is 80 GiB."""
    match = _SIZE.match(str(text))
    if not match:
        raise BadInputError(f"--gpu-memory: expected a size such as 80GB or 81920MiB, got {text!r}")
    unit = (match.group(2) or "").upper().rstrip("B").rstrip("I")
    return int(float(match.group(1)) * 1024 ** " KMGT".index(unit or " "))
