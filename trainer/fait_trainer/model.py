"""Loading the model and tokenizer to train, and writing the trained model directory."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

from .checkpoint import replace_directory
from .config import Config
from .errors import BadInputError

OUTPUT_MARKER = "fait_training.json"  # written last into the output directory: its presence means complete


def load_tokenizer(model_dir: str):
    path = Path(model_dir)
    if not path.is_dir():
        raise BadInputError(f"model directory {model_dir} does not exist")
    if not (path / "config.json").is_file():
        raise BadInputError(f"model directory {model_dir} has no config.json: not a Hugging Face model directory")
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
    except (OSError, ValueError) as error:
        raise BadInputError(f"model directory {model_dir}: cannot load its tokenizer ({error})") from None
    if not getattr(tokenizer, "is_fast", False):
        raise BadInputError(
            f"the tokenizer in {model_dir} ({type(tokenizer).__name__}) is not a fast tokenizer: FAIT masks need its character offsets"
        )
    return tokenizer


def master_dtype(model_dir: str) -> torch.dtype:
    """float32 master weights (AdamW's state too; bf16 comes from autocast or FSDP's mixed precision),
    float64 for a model stored in float64: the tests compare runs in float64, where only rounding
    at 1e-16 separates them."""
    return torch.float64 if source_dtype(model_dir) == torch.float64 else torch.float32


def load_model(config: Config, device: torch.device):
    """The model in its ``master_dtype``, LoRA-wrapped if asked."""
    model = AutoModelForCausalLM.from_pretrained(config.model_dir, dtype=master_dtype(config.model_dir))
    if config.gradient_checkpointing:
        # Renamed activation checkpointing in recent transformers (non-reentrant by default); the old name warns.
        if hasattr(model, "activation_checkpointing_enable"):
            model.activation_checkpointing_enable()
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if config.lora is not None:
        from peft import LoraConfig, get_peft_model

        lora = config.lora
        settings = LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, target_modules=lora.target_modules, task_type="CAUSAL_LM")
        model = get_peft_model(model, settings)
    return model.to(device).train()


def source_dtype(model_dir: str) -> torch.dtype:
    dtype = getattr(AutoConfig.from_pretrained(model_dir), "dtype", None)
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype, None)
    return dtype if isinstance(dtype, torch.dtype) else torch.float32


def write_output(model, tokenizer, config: Config, summary: dict) -> None:
    """A Hugging Face model directory (LoRA merged) in the source model's dtype, put in place by rename."""
    if config.lora is not None:
        model = model.merge_and_unload()
    model = model.to(source_dtype(config.model_dir))
    target = Path(config.output_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".tmp-{target.name}-*"):  # left by a killed run
        shutil.rmtree(stale, ignore_errors=True)
    tmp = target.with_name(f".tmp-{target.name}-{os.getpid()}")
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / OUTPUT_MARKER).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    replace_directory(tmp, target)


def output_complete(config: Config) -> bool:
    return (Path(config.output_dir) / OUTPUT_MARKER).is_file()
