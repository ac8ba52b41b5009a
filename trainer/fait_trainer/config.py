"""The training config: one JSON file written by the TypeScript activity, checked key by key.

Unknown keys are rejected rather than ignored: a misspelt key would otherwise silently train with
the default, and an experiment takes days.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import BadInputError
from .prompting import PROMPT_FORMATS

DEFAULT_LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass(frozen=True)
class LoraSettings:
    r: int = 16
    alpha: float = 32
    dropout: float = 0.05
    target_modules: list = field(default_factory=lambda: list(DEFAULT_LORA_TARGETS))


@dataclass(frozen=True)
class Config:
    model_dir: str
    output_dir: str
    checkpoint_dir: str
    pairs: list
    masks: list
    mode: str = "fait"
    granularity: str = "hybrid"
    alpha: float = 2.0
    fixed_weight: float = 2.0
    weight_statistic: str = "hybrid"
    learning_rate: float = 5e-6
    warmup_ratio: float = 0.03
    epochs: int = 1
    epoch: int = 0
    batch_size: int = 8
    gradient_accumulation: int = 1
    max_length: int = 1024
    seed: int = 42
    prompt_format: str | None = None
    bf16: object = "auto"
    gradient_checkpointing: bool = False
    lora: LoraSettings | None = None
    checkpoint_every_steps: int | None = 100
    checkpoint_every_minutes: float | None = 30
    keep_checkpoints: int = 3
    prefix_reuse: bool = True
    max_steps: int | None = None
    nproc: int = 1
    max_grad_norm: float | None = 1.0
    weight_decay: float = 0.0
    parallelism: str = "auto"
    cpu_offload: bool = False


REQUIRED = ("model_dir", "output_dir", "checkpoint_dir", "pairs", "masks")
CHOICES = {
    "mode": ("fait", "sft", "fixed"),
    "granularity": ("line", "token", "hybrid"),
    "weight_statistic": ("hybrid", "changed"),
    "prompt_format": (None, *PROMPT_FORMATS),
    "bf16": ("auto", True, False),
    "parallelism": ("auto", "ddp", "fsdp"),
}
POSITIVE_INTS = ("epochs", "batch_size", "gradient_accumulation", "max_length", "keep_checkpoints", "nproc")
OPTIONAL_POSITIVE_INTS = ("checkpoint_every_steps", "max_steps")
NUMBERS = ("alpha", "fixed_weight", "learning_rate", "warmup_ratio", "weight_decay")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def reject_unknown_keys(raw: dict, settings, prefix: str = "") -> None:
    """Every key of ``raw`` must be a field of the dataclass ``settings``: a misspelt key would
    otherwise silently fall back to its default."""
    known = {f.name for f in fields(settings)}
    for key in raw:
        if key not in known:
            name = f"{prefix}{key}" if prefix else repr(key)
            raise BadInputError(f"config: unknown key {name} (expected one of {sorted(known)})")


def _lora(value) -> LoraSettings | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInputError("config: lora must be null or an object {r, alpha, dropout, target_modules}")
    reject_unknown_keys(value, LoraSettings, "lora.")
    lora = LoraSettings(**value)
    if not _is_int(lora.r) or lora.r < 1 or not _is_number(lora.alpha) or not _is_number(lora.dropout) or not 0 <= lora.dropout < 1:
        raise BadInputError("config: lora.r must be a positive integer, lora.alpha a number, lora.dropout in [0, 1)")
    if not isinstance(lora.target_modules, list) or not lora.target_modules or not all(isinstance(m, str) for m in lora.target_modules):
        raise BadInputError("config: lora.target_modules must be a non-empty list of module names")
    return lora


def parse_config(raw: dict) -> Config:
    if not isinstance(raw, dict):
        raise BadInputError("config: expected a JSON object")
    reject_unknown_keys(raw, Config)
    for key in REQUIRED:
        if key not in raw:
            raise BadInputError(f"config: missing key {key!r}")
    for key in ("model_dir", "output_dir", "checkpoint_dir"):
        if not isinstance(raw[key], str) or not raw[key]:
            raise BadInputError(f"config: {key} must be a non-empty path")
    for key in ("pairs", "masks"):
        if not isinstance(raw[key], list) or not all(isinstance(p, str) for p in raw[key]):
            raise BadInputError(f"config: {key} must be a list of file paths")
    for key, choices in CHOICES.items():
        # ``1 in (True,)`` holds in Python: compare types too, so that bf16: 1 is not taken for true.
        if key in raw and not any(raw[key] == c and type(raw[key]) is type(c) for c in choices):
            raise BadInputError(f"config: {key} must be one of {list(choices)}, got {raw[key]!r}")
    for key in POSITIVE_INTS:
        if key in raw and (not _is_int(raw[key]) or raw[key] < 1):
            raise BadInputError(f"config: {key} must be a positive integer, got {raw[key]!r}")
    for key in OPTIONAL_POSITIVE_INTS:
        if raw.get(key) is not None and (not _is_int(raw[key]) or raw[key] < 1):
            raise BadInputError(f"config: {key} must be null or a positive integer, got {raw[key]!r}")
    for key in NUMBERS:
        if key in raw and (not _is_number(raw[key]) or raw[key] < 0):
            raise BadInputError(f"config: {key} must be a non-negative number, got {raw[key]!r}")
    for key in ("checkpoint_every_minutes", "max_grad_norm"):
        if raw.get(key) is not None and (not _is_number(raw[key]) or raw[key] <= 0):
            raise BadInputError(f"config: {key} must be null or a positive number, got {raw[key]!r}")
    for key in ("gradient_checkpointing", "prefix_reuse", "cpu_offload"):
        if key in raw and not isinstance(raw[key], bool):
            raise BadInputError(f"config: {key} must be true or false")
    for key in ("epoch", "seed"):
        if key in raw and (not _is_int(raw[key]) or raw[key] < 0):
            raise BadInputError(f"config: {key} must be a non-negative integer, got {raw[key]!r}")
    config = Config(**{**raw, "lora": _lora(raw.get("lora"))})
    if config.epoch >= config.epochs:
        raise BadInputError(f"config: epoch {config.epoch} is out of range for {config.epochs} epochs (epochs count from 0)")
    if config.cpu_offload and config.parallelism == "ddp":
        raise BadInputError("config: cpu_offload needs parallelism \"fsdp\" (or \"auto\", which it then resolves to fsdp), got \"ddp\"")
    if config.warmup_ratio > 1:
        raise BadInputError(f"config: warmup_ratio must be in [0, 1], got {config.warmup_ratio}")
    return config


def read_json_file(path: str):
    """A JSON config file's content; an unreadable file or invalid JSON is bad input."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"config {path}: {error.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInputError(f"config {path}: not valid JSON ({error.msg} at line {error.lineno})") from None


def load_config(path: str) -> Config:
    return parse_config(read_json_file(path))
