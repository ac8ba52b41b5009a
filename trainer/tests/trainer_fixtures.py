"""Pairs, masks, a tiny model and configs for the trainer tests, from the shared golden masks fixture."""

from __future__ import annotations

import json
from pathlib import Path

from tiny import tiny_llama, train_tokenizer

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "test" / "fixtures" / "masks-golden.jsonl"


def golden_pairs(count: int = 16) -> list[dict]:
    pairs = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    return pairs[:count]


def write_dataset(directory: Path, count: int = 16) -> tuple[Path, Path]:
    """pairs.jsonl and masks.jsonl as the dataset and masks stages write them."""
    pairs = golden_pairs(count)
    directory.mkdir(parents=True, exist_ok=True)
    pairs_file, masks_file = directory / "pairs.jsonl", directory / "masks.jsonl"
    with pairs_file.open("w", encoding="utf-8") as out:
        for i, p in enumerate(pairs):
            record = {"id": p["id"], "instruction": f"Task {i}: write the code.", "response": p["correct"], "incorrect": p["incorrect"]}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    with masks_file.open("w", encoding="utf-8") as out:
        for p in pairs:
            out.write(json.dumps({"id": p["id"], **p["expected"]}, ensure_ascii=False) + "\n")
    return pairs_file, masks_file


def tokenizer_for_golden():
    corpus = [text for p in golden_pairs(220) for text in (p["correct"], p["incorrect"])]
    return train_tokenizer(corpus, vocab_size=400)


def make_run(tmp_path: Path, count: int = 16, model_dtype=None, **overrides) -> Path:
    """A model, a dataset and a config file in tmp_path; returns the config path.

    ``model_dtype=torch.float64`` stores the model in float64, which the trainer keeps: runs that
    must agree up to rounding are compared in float64."""
    model_dir = tiny_llama(tokenizer_for_golden(), tmp_path, dtype=model_dtype)
    pairs_file, masks_file = write_dataset(tmp_path / "data", count)
    config = {
        "model_dir": str(model_dir),
        "output_dir": str(tmp_path / "out"),
        "checkpoint_dir": str(tmp_path / "ckpt"),
        "pairs": [str(pairs_file)],
        "masks": [str(masks_file)],
        "mode": "fait",
        "learning_rate": 1e-3,
        "warmup_ratio": 0.0,
        "batch_size": 4,
        "max_length": 128,
        "checkpoint_every_steps": None,
        "checkpoint_every_minutes": None,
    }
    config.update(overrides)
    return write_config(tmp_path / "config.json", config)


def write_config(path: Path, config: dict) -> Path:
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def read_config(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
