"""Checkpoints that a killed run resumes from exactly.

A checkpoint is a directory ``step-NNNNNNNNN`` (``-end`` appended when it closes an epoch) holding

* ``state/``: the trainable parameters (all of them, or the LoRA adapters) and the AdamW state, as a
  ``torch.distributed.checkpoint`` (DCP) directory: every process writes its own shards (FSDP) or
  one copy is written (one process, DDP), and it loads into any number of processes, with DDP or
  FSDP, resharding as needed;
* ``scheduler.pt``: the learning-rate schedule's ``state_dict``;
* ``rng.pt``: the python and torch (and CUDA) generator states of every rank;
* ``state.json``: the data position (epoch, step within the epoch, global step), whether the
  epoch or the whole run is done, the epoch's running W statistics, and a fingerprint of the run.

It is written into a hidden temporary directory (by all processes), fsynced, and renamed into place by rank 0, so a directory
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

from .errors import BadInputError

NAME = re.compile(r"^step-(\d{9})(-end)?$")
FILES = ("state/.metadata", "scheduler.pt", "rng.pt", "state.json")


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


def _options(**extra):
    from torch.distributed.checkpoint.state_dict import StateDictOptions

    # Only what training changes: LoRA's frozen base model is not copied into every checkpoint.
    return StateDictOptions(ignore_frozen_params=True, **extra)


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


def save(directory: str | Path, state: dict, model, optimizer, scheduler, rng_states: list[dict], keep: int, main: bool = True) -> Path | None:
    """Writes a checkpoint atomically and keeps the newest ``keep``; every process calls it (DCP
    gathers the shards), rank 0 (``main``) writes the rest and puts it in place; returns its path there."""
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import get_state_dict

    root = Path(directory)
    name = name_for(state)
    tmp = root / f".tmp-{name}"  # the same on every process; a killed run's is removed at start (remove_stale)
    if main:
        root.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    _barrier()
    model_state, optimizer_state = get_state_dict(model, optimizer, options=_options())
    dcp.save({"model": model_state, "optimizer": optimizer_state}, checkpoint_id=str(tmp / "state"), no_dist=not _grouped())  # fsyncs its files
    if not main:
        return None
    torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
    torch.save(rng_states, tmp / "rng.pt")
    (tmp / "state.json").write_text(json.dumps(state, indent=1), encoding="utf-8")
    for file in ("scheduler.pt", "rng.pt", "state.json", "state/.metadata"):
        _fsync(tmp / file)
    _fsync(tmp / "state")
    _fsync(tmp)
    replace_directory(tmp, root / name)
    prune(root, keep)
    return root / name


def _grouped() -> bool:
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def _barrier() -> None:
    import torch.distributed as dist

    if _grouped():
        dist.barrier()


def _load(path: Path, state_dict: dict, no_dist: bool = False) -> None:
    import torch.distributed.checkpoint as dcp

    try:
        dcp.load(state_dict, checkpoint_id=str(path / "state"), no_dist=no_dist)
    except Exception as error:  # DCP reports a key the checkpoint lacks as a generic CheckpointException
        if "Missing key" in str(error) or "missing" in str(error).lower():
            raise BadInputError(
                f"checkpoint {path} does not hold this model's trainable parameters ({str(error)[:300]}): "
                "was it written with another model or LoRA setting?"
            ) from None
        raise


def load_weights(path: Path, model) -> None:
    """The checkpoint's trainable parameters into ``model`` (one process, no process group needed)."""
    from torch.distributed.checkpoint.state_dict import get_model_state_dict, set_model_state_dict

    weights = get_model_state_dict(model, options=_options())
    _load(path, {"model": weights}, no_dist=True)
    set_model_state_dict(model, weights, options=_options(strict=False))


def load(path: Path, model, optimizer, scheduler, rank: int) -> dict:
    """Restores weights, optimizer, scheduler and this rank's RNG (every process calls it); returns the state."""
    from torch.distributed.checkpoint.state_dict import get_state_dict, set_state_dict

    model_state, optimizer_state = get_state_dict(model, optimizer, options=_options())
    loaded = {"model": model_state, "optimizer": optimizer_state}
    _load(path, loaded, no_dist=not _grouped())  # reshards to this run's processes and parallelism
    # strict=False: the frozen parameters are not in checkpoints; DCP has checked that every trainable one is.
    set_state_dict(model, optimizer, model_state_dict=loaded["model"], optim_state_dict=loaded["optimizer"], options=_options(strict=False))
    scheduler.load_state_dict(torch.load(path / "scheduler.pt", weights_only=True))
    rng = torch.load(path / "rng.pt", weights_only=True)
    # Resuming on another number of processes: ranks beyond the saved ones start from rank 0's.
    set_rng_state(rng[rank] if rank < len(rng) else rng[0])
    return read_state(path)
