"""Progress as JSON lines on stdout: one object per line, flushed, nothing else on stdout.

The TypeScript activity parses every stdout line, so library chatter (progress bars, warnings,
stray prints) must not reach it: while training runs, ``sys.stdout`` points at stderr and only
``Progress.emit`` writes to the real stdout. Only rank 0 reports, except errors, which every rank
reports (the launcher passes on the first).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys


def _clean(value):
    # JSON has no NaN or Infinity; a diverged loss is reported as null rather than as invalid JSON.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


class Progress:
    def __init__(self, stream=None, enabled: bool = True):
        self.stream = stream if stream is not None else sys.stdout
        self.enabled = enabled

    def emit(self, event: str, *, always: bool = False, **fields) -> None:
        if not (self.enabled or always):
            return
        self.stream.write(json.dumps(_clean({"event": event, **fields}), ensure_ascii=False) + "\n")
        self.stream.flush()


@contextlib.contextmanager
def stdout_reserved_for_progress(file_descriptors: bool = False):
    """Yields the real stdout and sends everything else printed meanwhile to stderr.

    With ``file_descriptors`` (the command-line entry point), file descriptor 1 itself is pointed
    at stderr, so that native code writing to stdout (NCCL's logs, for one) cannot corrupt the
    JSON lines either.
    """
    previous = sys.stdout
    if file_descriptors:
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(2, 1)
        real = os.fdopen(saved, "w", encoding="utf-8")
    else:
        real = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield real
    finally:
        sys.stdout = previous
        if file_descriptors:
            real.flush()
            os.dup2(saved, 1)
            real.close()


class WStats:
    """Running count, sum, sum of squares, min and max of the per-sample W, and how many of those
    samples had an empty side in Eq. 5/6 (``loss.empty_side``), for ``epoch_end`` and ``done``.

    Kept in checkpoints (``as_dict``) so that a resumed epoch (or run) reports all of it.
    """

    def __init__(self, saved: dict | None = None):
        saved = saved or {}
        self.count, self.sum, self.sumsq = saved.get("count", 0), saved.get("sum", 0.0), saved.get("sumsq", 0.0)
        self.min = math.inf if saved.get("min") is None else saved["min"]
        self.max = -math.inf if saved.get("max") is None else saved["max"]
        self.empty = saved.get("empty", 0)

    def add(self, count: int, total: float, sumsq: float, low: float, high: float, empty: int = 0) -> None:
        if count:
            self.count += int(count)
            self.sum += total
            self.sumsq += sumsq
            self.min, self.max = min(self.min, low), max(self.max, high)
            self.empty += int(empty)

    def as_dict(self) -> dict:
        return {
            "count": self.count, "sum": self.sum, "sumsq": self.sumsq, "min": self.min if self.count else None,
            "max": self.max if self.count else None, "empty": self.empty,
        }  # fmt: skip

    def empty_side(self, fait: bool) -> dict:
        """The share of the samples with W whose W came from an empty side (null outside ``fait`` or without such samples)."""
        share = self.empty / self.count if fait and self.count else None
        return {"empty_side_share": share, "empty_side_count": self.empty if fait else None}

    def report(self, fait: bool = True) -> dict:
        if not self.count:
            return {"w_mean": None, "w_sd": None, "w_min": None, "w_max": None, "w_count": 0, **self.empty_side(fait)}
        mean = self.sum / self.count
        sd = math.sqrt(max(self.sumsq / self.count - mean * mean, 0.0))
        return {"w_mean": mean, "w_sd": sd, "w_min": self.min, "w_max": self.max, "w_count": self.count, **self.empty_side(fait)}
