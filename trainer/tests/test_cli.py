"""The trainer CLI as the TypeScript activity runs it: progress lines, exit codes, checkpoints, resume.

Runs that must survive SIGKILL or SIGTERM, or that need the real exit code, are subprocesses; the
rest call ``main`` in this process, which is the same code without the interpreter start-up.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from fait_trainer.__main__ import main
from trainer_fixtures import make_run, read_config, write_config

TRAINER = Path(__file__).resolve().parents[1]


def parse(stdout: str) -> list[dict]:
    """Every stdout line must be one JSON object with an event."""
    events = [json.loads(line) for line in stdout.splitlines()]
    assert all(isinstance(e, dict) and "event" in e for e in events)
    return events


def run_cli(config: Path, command: str = "train", timeout: int = 180) -> tuple[int, list[dict]]:
    done = subprocess.run(
        [sys.executable, "-m", "fait_trainer", command, "--config", str(config)],
        cwd=TRAINER, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return done.returncode, parse(done.stdout)


def run_here(config: Path, capsys, command: str = "train") -> tuple[int, list[dict]]:
    code = main([command, "--config", str(config)])
    return code, parse(capsys.readouterr().out)


def start_cli(config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "fait_trainer", "train", "--config", str(config)],
        cwd=TRAINER, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip


def read_until(process: subprocess.Popen, predicate) -> list[dict]:
    events = []
    for line in process.stdout:
        events.append(json.loads(line))
        if predicate(events[-1]):
            return events
    raise AssertionError(f"the run ended before the awaited event: {events[-3:]}")


def variant(config: Path, name: str, **overrides) -> Path:
    """The same model and data with its own output and checkpoint directories."""
    raw = read_config(config)
    root = config.parent / name
    raw.update(output_dir=str(root / "out"), checkpoint_dir=str(root / "ckpt"), **overrides)
    root.mkdir(parents=True, exist_ok=True)
    return write_config(root / "config.json", raw)


def weights(output_dir) -> dict[str, torch.Tensor]:
    return load_file(str(Path(output_dir) / "model.safetensors"))


def max_relative_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(((a[k] - b[k]).abs().max() / b[k].abs().max().clamp(min=1e-12)).item() for k in a)


# 24 pairs, batch 2: 12 optimizer steps in one epoch, a checkpoint after each.
RESUME = dict(batch_size=2, checkpoint_every_steps=1, keep_checkpoints=2)


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """A run straight through (with ``launch``, which runs one process in place), and its config."""
    config = make_run(tmp_path_factory.mktemp("run"), count=24, **RESUME)
    code, events = run_cli(config, "launch")
    assert code == 0, events
    return config, events


def test_progress_events_of_a_full_run(straight):
    config, events = straight
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("step") == 12 and kinds.count("epoch_end") == 1
    start = events[0]
    assert start["samples"] == 24 and start["total_steps"] == 12 and start["prefix_reuse"] is True and start["world_size"] == 1
    steps = [e for e in events if e["event"] == "step"]
    assert [e["step"] for e in steps] == list(range(1, 13))
    for e in steps:
        assert set(e) == {"event", "epoch", "step", "total_steps", "loss", "mean_w", "empty_side_share", "marked_share", "tokens_per_s", "lr"}
        assert e["empty_side_share"] is None or 0 <= e["empty_side_share"] <= 1
        assert e["loss"] > 0 and e["tokens_per_s"] > 0 and 0 <= e["marked_share"] <= 1
        assert e["mean_w"] is None or 1.0 <= e["mean_w"] <= 2.0
    end = next(e for e in events if e["event"] == "epoch_end")
    assert 1.0 <= end["w_min"] <= end["w_mean"] <= end["w_max"] <= 2.0 and end["w_sd"] >= 0 and end["truncated"] == 0
    # The 24 golden pairs include samples whose incorrect response has no mark: their W is alpha - 1 by construction.
    assert 0 < end["empty_side_count"] < end["w_count"] and end["empty_side_share"] == end["empty_side_count"] / end["w_count"]
    steps_with_w = [e for e in steps if e["mean_w"] is not None]
    assert events[-1]["empty_side_share"] == end["empty_side_share"] and events[-1]["empty_side_count"] == end["empty_side_count"]
    assert sum(e["empty_side_share"] for e in steps_with_w) > 0
    assert events[-1]["final"] is True and events[-1]["output_dir"] == read_config(config)["output_dir"]
    checkpoints = sorted(p.name for p in Path(read_config(config)["checkpoint_dir"]).iterdir())
    assert checkpoints == ["step-000000011", "step-000000012-end"]


def test_output_directory_loads_with_transformers(straight):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    output = read_config(straight[0])["output_dir"]
    model = AutoModelForCausalLM.from_pretrained(output)
    tokenizer = AutoTokenizer.from_pretrained(output)
    assert tokenizer.is_fast and tokenizer.chat_template
    ids = tokenizer.apply_chat_template([{"role": "user", "content": "Task 1: write the code."}], add_generation_prompt=True, return_tensors="pt")
    ids = ids["input_ids"] if not torch.is_tensor(ids) else ids
    assert model.generate(ids, max_new_tokens=3, do_sample=False).shape[1] == ids.shape[1] + 3
    from fait_trainer.checkpoint import load_weights

    final = AutoModelForCausalLM.from_pretrained(read_config(straight[0])["model_dir"])
    load_weights(Path(read_config(straight[0])["checkpoint_dir"]) / "step-000000012-end", final)
    assert all(torch.equal(model.state_dict()[k], v) for k, v in final.state_dict().items())


def test_an_epoch_already_done_exits_without_training(straight):
    code, events = run_cli(straight[0])
    assert code == 0
    assert [e["event"] for e in events] == ["start", "resumed", "epoch_end", "done"]
    assert events[-1]["skipped"] is True and events[-1]["final"] is True and events[1]["step"] == 12


def test_resume_after_sigkill_is_exact(straight):
    config = variant(straight[0], "killed")
    process = start_cli(config)
    read_until(process, lambda e: e["event"] == "checkpoint" and e["step"] >= 3)
    process.kill()
    process.wait()
    code, events = run_cli(config)
    assert code == 0
    resumed = next(e for e in events if e["event"] == "resumed")
    assert 3 <= resumed["step"] < 12 and resumed["checkpoint"].endswith(f"step-{resumed['step']:09d}")
    assert [e["step"] for e in events if e["event"] == "step"] == list(range(resumed["step"] + 1, 13))
    assert not [p for p in Path(read_config(config)["checkpoint_dir"]).iterdir() if p.name.startswith(".")]
    ours, reference = weights(read_config(config)["output_dir"]), weights(read_config(straight[0])["output_dir"])
    assert all(torch.equal(ours[k], reference[k]) for k in reference), f"max relative difference {max_relative_difference(ours, reference)}"


def test_sigterm_checkpoints_and_exits_143_then_resumes(straight):
    config = variant(straight[0], "terminated", checkpoint_every_steps=None)
    process = start_cli(config)
    read_until(process, lambda e: e["event"] == "step" and e["step"] >= 2)
    process.send_signal(signal.SIGTERM)
    rest = [json.loads(line) for line in process.stdout]
    assert process.wait() == 143
    terminated = rest[-1]
    assert terminated["event"] == "terminated" and terminated["checkpoint"].endswith(f"step-{terminated['step']:09d}")
    assert rest[-2] == {"event": "checkpoint", "step": terminated["step"], "path": terminated["checkpoint"]}
    code, events = run_cli(config)
    assert code == 0 and next(e for e in events if e["event"] == "resumed")["step"] == terminated["step"]
    ours, reference = weights(read_config(config)["output_dir"]), weights(read_config(straight[0])["output_dir"])
    assert all(torch.equal(ours[k], reference[k]) for k in reference), f"max relative difference {max_relative_difference(ours, reference)}"


# Runs that must agree up to rounding (1 process against 2, DDP against FSDP) train a float64 model,
# which the trainer keeps in float64 (model.master_dtype), so that they differ only by float64
# rounding: unit roundoff u = 1.1e-16, sums here over at most ~1e4 terms of size <= 10 (a gradient
# entry sums over the step's ~400 response tokens and the 32-64 wide layers), so a gradient entry
# agrees within dg <= 1e4 * u * 10 ~ 1e-11. These bounds hold on any IEEE-754 machine, whatever
# the order in which its kernels or gloo's all-reduce sum.
U64_REDUCTION = 1e4 * 1.1e-16  # relative error of a float64 sum of <= 1e4 terms
ADAM_EPS = 1e-8  # torch.optim.AdamW's default


def assert_runs_agree(events_a: list[dict], events_b: list[dict], weights_a: dict, weights_b: dict, lr: float) -> None:
    """Same steps, same losses and weights up to the float64 rounding derived above.

    * Step 1 starts from the same weights: its loss differs only by rounding, <= U64_REDUCTION relative.
    * Weights: AdamW's update is lr * m / (sqrt(v) + eps); a gradient entry off by dg moves it by at
      most ~2 * lr * dg / eps (the derivative of g / (|g| + eps) is at most 1 / eps; m and sqrt(v) are
      averages of the g's), i.e. 2 * lr * 1e-11 / 1e-8 = 2e-3 * lr per step. So after s steps the
      weights agree within 2e-3 * lr * s: a thousandth of the update size lr * s, whereas any real
      difference (a sample dropped or counted twice, a wrong normaliser, an unsynchronised gradient)
      changes the update by O(lr) on many entries.
    * Later losses: the loss is Lipschitz in the weights with constant ||grad||_1 <= sqrt(P) * ||grad||_2
      (P ~ 3e4 parameters, ||grad||_2 < 10 for this model: < 2e3), hence within 2e3 * 2e-3 * lr * s.
    """
    losses = [{e["step"]: e["loss"] for e in events if e["event"] == "step"} for events in (events_a, events_b)]
    steps = sorted(losses[0])
    assert steps == sorted(losses[1]) and steps == list(range(1, len(steps) + 1))
    assert abs(losses[0][1] - losses[1][1]) <= U64_REDUCTION * abs(losses[0][1]), (losses[0][1], losses[1][1])
    weight_bound = 2e-3 * lr * len(steps)
    for s in steps:
        assert abs(losses[0][s] - losses[1][s]) <= 2e3 * weight_bound, (s, losses[0][s], losses[1][s])
    assert weights_a.keys() == weights_b.keys()
    assert all(w.dtype == torch.float64 for w in weights_a.values()), "the comparison runs in float64"
    worst = max((weights_a[k] - weights_b[k]).abs().max().item() for k in weights_a)
    assert worst <= weight_bound, (worst, weight_bound)


def test_two_gloo_processes_match_one_process_and_stop_together_on_sigterm(tmp_path):
    # 9 pairs, 4 per optimizer step as 2 micro-batches of 2: the last step has one sample, so the
    # second process runs a placeholder batch; gradient accumulation skips the all-reduce once.
    # The launcher is sent SIGTERM after the first step: both processes must stop at the same step
    # with one checkpoint, and the relaunch resume from it.
    config = make_run(tmp_path, count=9, batch_size=2, gradient_accumulation=2, parallelism="ddp", model_dtype=torch.float64)
    single, double = variant(config, "single"), variant(config, "double", nproc=2)
    code, events_single = run_cli(single, "launch")
    assert code == 0
    launcher = subprocess.Popen(
        [sys.executable, "-m", "fait_trainer", "launch", "--config", str(double)],
        cwd=TRAINER, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    events_double = read_until(launcher, lambda e: e["event"] == "step")
    launcher.send_signal(signal.SIGTERM)
    events_double += [json.loads(line) for line in launcher.stdout]
    assert launcher.wait() == 143 and events_double[-1]["event"] == "terminated", events_double[-3:]
    stopped = events_double[-1]["step"]
    assert [e["step"] for e in events_double if e["event"] == "checkpoint"] == [stopped]
    code, resumed = run_cli(double, "launch")
    assert code == 0 and resumed[1] == {"event": "resumed", "step": stopped, "checkpoint": events_double[-1]["checkpoint"], "epoch": 0, "step_in_epoch": stopped}
    events_double += resumed
    assert events_double[0]["world_size"] == 2 and [e["event"] for e in events_double].count("done") == 1
    assert len([e for e in events_single if e["event"] == "step"]) == 3
    lr = read_config(config)["learning_rate"]
    assert_runs_agree(events_single, events_double, weights(read_config(single)["output_dir"]), weights(read_config(double)["output_dir"]), lr)


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants (torchrun's workers live in their own sessions)."""
    from fait_trainer.distributed import _children

    pending, found = [pid], []
    while pending:
        current = pending.pop()
        found.append(current)
        pending += _children(current)
    for each in found:
        try:
            os.kill(each, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_fsdp_two_gloo_processes_match_one_process_and_resume_on_one_process(tmp_path):
    # FSDP2 over 2 gloo processes (float32 compute on CPU: bf16 mixed precision is for CUDA), with
    # FAIT's extra forward on y^a and prefix reuse, gradient accumulation and a placeholder batch on
    # the last step, against one plain process. The 2-process run is SIGKILLed after its checkpoint
    # at step 1 and resumed by ONE process (FSDP over one rank), from the 2-process DCP checkpoint.
    config = make_run(tmp_path, count=9, batch_size=2, gradient_accumulation=2, model_dtype=torch.float64, checkpoint_every_steps=1)
    single = variant(config, "single", parallelism="ddp")
    double = variant(config, "fsdp", nproc=2, parallelism="fsdp")
    code, events_single = run_cli(single)
    assert code == 0, events_single[-1]
    launcher = subprocess.Popen(
        [sys.executable, "-m", "fait_trainer", "launch", "--config", str(double)],
        cwd=TRAINER, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    events_double = read_until(launcher, lambda e: e["event"] == "checkpoint")
    kill_tree(launcher.pid)
    launcher.wait()
    assert events_double[0]["world_size"] == 2 and events_double[0]["parallelism"] == "fsdp" and events_double[0]["prefix_reuse"]
    stopped = events_double[-1]["step"]
    assert stopped < 3
    write_config(double, {**read_config(double), "nproc": 1})
    code, resumed = run_cli(double, "launch")
    assert code == 0, resumed[-1]
    assert resumed[0]["world_size"] == 1 and resumed[0]["parallelism"] == "fsdp"
    assert resumed[1]["event"] == "resumed" and resumed[1]["step"] == stopped
    steps = [e for e in events_double if e["event"] == "step"] + [e for e in resumed if e["event"] == "step"]
    assert [e["step"] for e in steps] == [1, 2, 3][: len(steps)] and steps[-1]["step"] == 3
    lr = read_config(config)["learning_rate"]
    # The output is a normal Hugging Face directory, gathered from the shards.
    assert_runs_agree(events_single, steps, weights(read_config(single)["output_dir"]), weights(read_config(double)["output_dir"]), lr)


def test_bad_input_is_one_error_line_and_exit_code_2(tmp_path):
    config = make_run(tmp_path, count=2, model_dir=str(tmp_path / "missing"))
    code, events = run_cli(config)
    assert code == 2
    assert events == [{"event": "error", "kind": "bad_input", "message": f"model directory {tmp_path / 'missing'} does not exist"}]


def slow_tokenizer_model(config: Path) -> str:
    from transformers import ByT5Tokenizer

    source = Path(read_config(config)["model_dir"])
    target = source.parent / "slow"
    target.mkdir()
    shutil.copy(source / "config.json", target / "config.json")
    ByT5Tokenizer().save_pretrained(target)
    return str(target)


def drop_first_mask(config: Path) -> dict:
    masks = Path(read_config(config)["masks"][0])
    masks.write_text("".join(masks.read_text(encoding="utf-8").splitlines(keepends=True)[1:]), encoding="utf-8")
    return {}


def extra_mask_line(config: Path) -> dict:
    masks = Path(read_config(config)["masks"][0])
    records = [json.loads(line) for line in masks.read_text(encoding="utf-8").splitlines()]
    records[1]["correct"]["lineMask"].append(0)
    masks.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return {}


def empty_pairs(config: Path) -> dict:
    Path(read_config(config)["pairs"][0]).write_text("", encoding="utf-8")
    return {}


BAD_INPUTS = {
    "missing model directory": (lambda c: {"model_dir": str(c.parent / "nowhere")}, "model directory .* does not exist"),
    "not a model directory": (lambda c: {"model_dir": str(c.parent / "data")}, "has no config.json"),
    "slow tokenizer": (lambda c: {"model_dir": slow_tokenizer_model(c)}, "ByT5Tokenizer.* is not a fast tokenizer"),
    "a pair without masks": (drop_first_mask, "no masks for pair id .*masks and pairs do not match"),
    "line count mismatch": (extra_mask_line, "do not fit its responses .*line mask has"),
    "empty dataset": (empty_pairs, "the dataset is empty"),
    "unknown config key": (lambda c: {"learning_rat": 1e-5}, "unknown key 'learning_rat'"),
    "bad mode": (lambda c: {"mode": "dpo"}, "mode must be one of"),
    "epoch without its predecessor": (lambda c: {"epochs": 2, "epoch": 1}, "continues from the end of epoch 0, but .* holds no checkpoint"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_inputs(case, tmp_path, capsys):
    config = make_run(tmp_path, count=4)
    edit, message = BAD_INPUTS[case]
    raw = read_config(config)
    raw.update(edit(config))
    write_config(config, raw)
    code, events = run_here(config, capsys)
    assert code == 2 and len(events) == 1, events
    assert events[0]["event"] == "error" and events[0]["kind"] == "bad_input"
    import re

    assert re.search(message, events[0]["message"]), events[0]["message"]


SETTINGS = {
    "sft": {"mode": "sft"},
    "fixed 0": {"mode": "fixed", "fixed_weight": 0},
    "fixed 5, token": {"mode": "fixed", "fixed_weight": 5, "granularity": "token"},
    "line granularity": {"granularity": "line"},
    "changed statistic": {"weight_statistic": "changed", "alpha": 1.5},
    "no prefix reuse": {"prefix_reuse": False},
    "gradient checkpointing": {"gradient_checkpointing": True},
    "accumulation": {"gradient_accumulation": 3, "batch_size": 1},
    "magicoder": {"prompt_format": "magicoder", "max_length": 512},
    "bf16 autocast": {"bf16": True},
    "lora": {"lora": {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": ["q_proj", "v_proj"]}},
    "fsdp, one process, activation checkpointing": {"parallelism": "fsdp", "gradient_checkpointing": True},
    "fsdp, one process, lora": {"parallelism": "fsdp", "lora": {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": ["q_proj", "v_proj"]}},
}


@pytest.mark.parametrize("case", list(SETTINGS))
def test_settings_train_and_write_a_loadable_model(case, tmp_path, capsys):
    from transformers import AutoModelForCausalLM

    config = make_run(tmp_path, count=6, max_steps=2, **SETTINGS[case])
    code, events = run_here(config, capsys)
    assert code == 0, events[-1]
    steps = [e for e in events if e["event"] == "step"]
    assert len(steps) == 2 and all(e["loss"] is not None and e["loss"] > 0 for e in steps)
    mode = SETTINGS[case].get("mode", "fait")
    expected = {"sft": 1.0, "fixed": SETTINGS[case].get("fixed_weight")}.get(mode)
    if expected is not None:
        assert all(e["mean_w"] in (None, expected) for e in steps)
    model = AutoModelForCausalLM.from_pretrained(read_config(config)["output_dir"])
    assert type(model).__name__ == "LlamaForCausalLM"
    assert not any("lora" in name for name in model.state_dict())
    assert os.path.isfile(Path(read_config(config)["output_dir"]) / "fait_training.json")


def test_checkpoints_by_time(tmp_path, capsys):
    config = make_run(tmp_path, count=6, batch_size=2, checkpoint_every_minutes=1e-9, keep_checkpoints=5)
    code, events = run_here(config, capsys)
    assert code == 0
    assert [e["step"] for e in events if e["event"] == "checkpoint"] == [1, 2, 3]
    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()) == ["step-000000001", "step-000000002", "step-000000003-end"]


@pytest.mark.parametrize(
    "error, kind, code",
    [(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), "oom", 3), (RuntimeError("boom"), "internal", 1)],
)
def test_failures_are_one_error_line_with_their_exit_code(error, kind, code, tmp_path, capsys, monkeypatch):
    import fait_trainer.train

    def fail(config, progress):
        print("library chatter goes to stderr")
        raise error

    monkeypatch.setattr(fait_trainer.train, "train", fail)
    config = write_config(tmp_path / "c.json", {"model_dir": "m", "output_dir": "o", "checkpoint_dir": "c", "pairs": [], "masks": []})
    assert run_here(config, capsys) == (code, [{"event": "error", "kind": kind, "message": str(error)}])


def test_launch_checks_that_the_batch_splits_over_the_processes(tmp_path, capsys):
    config = write_config(tmp_path / "c.json", {"model_dir": "m", "output_dir": "o", "checkpoint_dir": "c", "pairs": [], "masks": [], "batch_size": 8, "nproc": 3})
    code, events = run_here(config, capsys, "launch")
    assert code == 2 and events[0]["kind"] == "bad_input" and "batch_size 8 is not divisible by nproc 3" in events[0]["message"]


def test_epochs_run_one_process_each_on_one_schedule(tmp_path, capsys):
    config = make_run(tmp_path, count=8, batch_size=4, epochs=2, warmup_ratio=0.25)
    code, first = run_here(config, capsys)
    assert code == 0 and first[-1]["final"] is False and first[-1]["output_dir"] is None
    assert not (tmp_path / "out").exists()
    write_config(config, {**read_config(config), "epoch": 1})
    code, second = run_here(config, capsys)
    assert code == 0 and second[1]["event"] == "resumed" and second[1]["step"] == 2 and second[-1]["final"] is True
    # 4 steps in all, warm-up ceil(0.25 * 4) = 1 step, then linear decay to 0 over the other 3.
    lrs = [e["lr"] for e in first + second if e["event"] == "step"]
    assert lrs == pytest.approx([0.0, 1e-3, 1e-3 * 2 / 3, 1e-3 / 3])
    assert [e["epoch"] for e in first + second if e["event"] == "epoch_end"] == [0, 1]


def test_a_crash_between_the_last_checkpoint_and_the_output_is_repaired(tmp_path, capsys):
    config = make_run(tmp_path, count=4, max_steps=1)
    assert run_here(config, capsys)[0] == 0
    expected = weights(tmp_path / "out")
    shutil.rmtree(tmp_path / "out")
    code, events = run_here(config, capsys)
    assert code == 0 and events[-1]["skipped"] is True and events[-1]["output_dir"] == str(tmp_path / "out")
    assert all(torch.equal(weights(tmp_path / "out")[k], v) for k, v in expected.items())


def test_a_bad_command_line_is_bad_input(capsys):
    assert main(["train"]) == 2
    assert parse(capsys.readouterr().out) == [{"event": "error", "kind": "bad_input", "message": "--config is required"}]
    assert main(["fly"]) == 2
    assert parse(capsys.readouterr().out) == [{"event": "error", "kind": "bad_input", "message": "invalid command line; see the usage on stderr"}]


def test_tiny_model_makes_a_loadable_model_directory(tmp_path, capsys):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"instruction": "Add one.", "response": "def f(x):\\n    return x + 1\\n"}\n', encoding="utf-8")
    assert main(["tiny-model", "--corpus", str(corpus), "--out", str(tmp_path / "m")]) == 0
    assert AutoModelForCausalLM.from_pretrained(tmp_path / "m").config.model_type == "llama"
    assert AutoTokenizer.from_pretrained(tmp_path / "m").is_fast


def test_a_launch_whose_ranks_all_fail_reports_one_error(tmp_path):
    config = make_run(tmp_path, count=4, nproc=2)
    drop_first_mask(config)
    code, events = run_cli(config, "launch")
    assert code == 2 and len(events) == 1 and events[0]["kind"] == "bad_input" and "no masks for pair id" in events[0]["message"]
