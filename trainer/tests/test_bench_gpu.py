"""bench/trainer_gpu.py: a CPU smoke run of its FAIT and SFT steps, and its skip without CUDA."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "trainer_gpu.py"


def run(*args: str, env: dict | None = None) -> list[dict]:
    done = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_cpu_smoke_run_reports_both_modes_and_their_ratio():
    lines = run("--device", "cpu", "--tiny", "--steps", "1", "--warmup", "0", "--prompt", "8", "--response", "16", "--batch-size", "2")
    sft, fait, ratio = lines
    assert (sft["mode"], fait["mode"]) == ("sft", "fait") and sft["steps_timed"] == fait["steps_timed"] == 1
    assert all(r["tokens_per_s"] > 0 and r["step_s"] > 0 and r["mfu"] is None for r in (sft, fait))
    assert ratio["ratio_fait_sft"] == fait["step_s"] / sft["step_s"]


def test_without_cuda_it_says_it_skipped():
    assert run(env={"CUDA_VISIBLE_DEVICES": ""}) == [{"skipped": "no CUDA device: this benchmark needs a GPU (--device cpu --tiny runs a smoke test)"}]
