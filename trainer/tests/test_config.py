"""The training config: defaults as the TypeScript side expects them, and every key checked."""

from __future__ import annotations

import pytest

from fait_trainer.config import LoraSettings, parse_config
from fait_trainer.prompting import BadInputError

BASE = {"model_dir": "m", "output_dir": "o", "checkpoint_dir": "c", "pairs": ["p.jsonl"], "masks": ["m.jsonl"]}


def test_defaults():
    config = parse_config(BASE)
    assert (config.mode, config.granularity, config.alpha, config.fixed_weight, config.weight_statistic) == ("fait", "hybrid", 2.0, 2.0, "hybrid")
    assert (config.learning_rate, config.warmup_ratio, config.epochs, config.epoch, config.batch_size) == (5e-6, 0.03, 1, 0, 8)
    assert (config.gradient_accumulation, config.max_length, config.seed, config.prompt_format, config.bf16) == (1, 1024, 42, None, "auto")
    assert (config.gradient_checkpointing, config.lora, config.checkpoint_every_steps, config.checkpoint_every_minutes) == (False, None, 100, 30)
    assert (config.keep_checkpoints, config.prefix_reuse, config.max_steps, config.nproc) == (3, True, None, 1)


def test_the_full_example_parses():
    config = parse_config(
        {
            **BASE, "mode": "fixed", "granularity": "line", "alpha": 2.0, "fixed_weight": 5, "weight_statistic": "changed",
            "learning_rate": 5e-6, "warmup_ratio": 0.03, "epochs": 3, "epoch": 2, "batch_size": 8, "gradient_accumulation": 1,
            "max_length": 1024, "seed": 42, "prompt_format": "magicoder", "bf16": "auto", "gradient_checkpointing": False,
            "lora": {"r": 16, "alpha": 32, "dropout": 0.05, "target_modules": ["q_proj"]}, "checkpoint_every_steps": 100,
            "checkpoint_every_minutes": 30, "keep_checkpoints": 3, "prefix_reuse": True, "max_steps": None, "nproc": 2,
        }
    )  # fmt: skip
    assert config.lora == LoraSettings(16, 32, 0.05, ["q_proj"]) and config.epoch == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"pairs": "p.jsonl"}, "pairs must be a list"),
        ({"granularity": "char"}, "granularity must be one of"),
        ({"bf16": 1}, "bf16 must be one of"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"epochs": 2, "epoch": 2}, "epoch 2 is out of range for 2 epochs"),
        ({"alpha": "2"}, "alpha must be a non-negative number"),
        ({"max_steps": 1.5}, "max_steps must be null or a positive integer"),
        ({"lora": {"rank": 8}}, "unknown key lora.rank"),
        ({"warmup_ratio": 2}, "warmup_ratio must be in"),
        ({"prefix_reuse": "yes"}, "prefix_reuse must be true or false"),
    ],
)
def test_bad_values_name_the_key(change, message):
    with pytest.raises(BadInputError, match=message):
        parse_config({**BASE, **change})


def test_missing_keys():
    with pytest.raises(BadInputError, match="missing key 'masks'"):
        parse_config({k: v for k, v in BASE.items() if k != "masks"})
