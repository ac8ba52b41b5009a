"""Checkpoints that a killed run resumes from exactly.

A checkpoint is a directory ``step-NNNNNNNNN`` (``-end`` appended when it closes an epoch) holding

* ``model.safetensors``: the trainable parameters (all of them, or the LoRA adapters);
* ``optimizer.pt``, ``scheduler.pt``: their ``state_dict``s;
* ``rng.pt``: the python and torch (and CUDA) generator states of every rank;
* ``state.json``: the data position (epoch, step within the epoch, global step), whether the
  epoch or the whole run is done, the epoch's running W statistics, and a fingerprint of the run.

It is written into a hidden temporary directory, fsynced, and renamed into place, so a directory
with a ``step-`` name is always complete; ``latest`` never sees a half-written one. Old ones are
renamed away before they are deleted for the same reason.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .errors import BadInputError

NAME = re.compile(r"^step-(\d{9})(-end)?$")
FILES = ("model.safetensors", "optimizer.pt", "scheduler.pt", "rng.pt", "state.json")


def name_for(state: dict) -> str:
    return f"step-{state['global_step']:09d}" + ("-end" if state["epoch_done"] else "")


def _order(path: Path) -> tuple[int, int]:
    match = NAME.match(path.name)
    return int(match.group(1)), int(match.group(2) is not None)


def checkpoints(directory: str | Path) -> list[Path]:
    """Complete checkpoints, oldest first."""
    root = Path(directory)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and NAME.match(p.name) and all((p / f).is_file() for f in FILES)]
    return sorted(found, key=_order)


def latest(directory: str | Path) -> Path | None:
    found = checkpoints(directory)
    return found[-1] if found else None


def read_state(path: Path) -> dict:
    return json.loads((path / "state.json").read_text(encoding="utf-8"))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_directory(source: Path, target: Path) -> None:
    """Puts ``source`` at ``target`` by rename, moving an existing ``target`` away first."""
    trash = None
    if target.exists():
        trash = target.with_name(f".trash-{target.name}-{os.getpid()}")
        os.rename(target, trash)
    os.rename(source, target)
    _fsync(target.parent)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def remove_stale(directory: str | Path) -> None:
    """Temporary and half-deleted directories that a killed run left behind."""
    root = Path(directory)
    if root.is_dir():
        for path in root.iterdir():
            if path.name.startswith((".tmp-", ".trash-")):
                shutil.rmtree(path, ignore_errors=True)


def prune(directory: str | Path, keep: int) -> None:
    for old in checkpoints(directory)[:-keep]:
        trash = old.with_name(f".trash-{old.name}")
        os.rename(old, trash)
        shutil.rmtree(trash, ignore_errors=True)


def trainable_parameters(model) -> dict[str, torch.Tensor]:
    return {name: p for name, p in model.named_parameters() if p.requires_grad}


def rng_state() -> dict:
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(directory: str | Path, state: dict, model, optimizer, scheduler, rng_states: list[dict], keep: int) -> Path:
    """Writes a checkpoint atomically and keeps the newest ``keep``; returns its path."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    name = name_for(state)
    tmp = root / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    tensors = {n: p.detach().to("cpu").contiguous() for n, p in trainable_parameters(model).items()}
    save_file(tensors, str(tmp / "model.safetensors"))
    torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
    torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
    torch.save(rng_states, tmp / "rng.pt")
    (tmp / "state.json").write_text(json.dumps(state, indent=1), encoding="utf-8")
    for file in FILES:
        _fsync(tmp / file)
    _fsync(tmp)
    replace_directory(tmp, root / name)
    prune(root, keep)
    return root / name


def load_weights(path: Path, model) -> None:
    saved = load_file(str(path / "model.safetensors"))
    params = trainable_parameters(model)
    if saved.keys() != params.keys():
        missing, extra = sorted(params.keys() - saved.keys()), sorted(saved.keys() - params.keys())
        raise BadInputError(
            f"checkpoint {path} does not hold this model's trainable parameters "
            f"(missing {missing[:3]}, unexpected {extra[:3]}): was it written with another model or LoRA setting?"
        )
    with torch.no_grad():
        for name, param in params.items():
            param.copy_(saved[name])


def load(path: Path, model, optimizer, scheduler, rank: int) -> dict:
    """Restores weights, optimizer, scheduler and this rank's RNG; returns the state."""
    load_weights(path, model)
    optimizer.load_state_dict(torch.load(path / "optimizer.pt", weights_only=True))
    scheduler.load_state_dict(torch.load(path / "scheduler.pt", weights_only=True))
    rng = torch.load(path / "rng.pt", weights_only=True)
    # Resuming on another number of processes: ranks beyond the saved ones start from rank 0's.
    set_rng_state(rng[rank] if rank < len(rng) else rng[0])
    return read_state(path)
