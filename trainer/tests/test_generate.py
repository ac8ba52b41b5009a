"""``python -m fait_trainer generate``: EvalPlus's prompts, greedy batched decoding, samples, resume, errors.

A tiny random Llama (made here, nothing downloaded) produces gibberish, which is all these tests
need: the same gibberish every time, whatever the batch and however often the run is interrupted.
Runs that must be killed or need the real exit code are subprocesses; the rest call ``main``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import fait_trainer.generate as gen
from fait_trainer.__main__ import main
from fait_trainer.model import load_tokenizer
from fait_trainer.prompting import PROMPT_FORMATS, render
from tiny import tiny_llama, train_tokenizer

TRAINER = Path(__file__).resolve().parents[1]
CORPUS = [
    "def add(a, b):\n    return a + b\n",
    "Please provide a self-contained Python script that solves the following problem in a markdown code block:",
    "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:",
    "```python\nimport math\n\ndef area(r):\n    return math.pi * r ** 2\n```\n",
] * 3
PROMPTS = [
    'def add(a: int, b: int) -> int:\n    """Return the sum of a and b."""\n',
    "Write a function to find the shared elements of two lists.",
    "from typing import List\n\n\ndef has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
    '    """Any two numbers closer than threshold?\n    >>> has_close_elements([1.0, 2.0], 0.5)\n    False\n    """\n',
    "def f(x):\n\tpass\n",
    "Return the n-th Fibonacci number.",
    'def area(r):\n    """Circle area."""\n',
    "def is_even(n):\n",
]
MAX_NEW_TOKENS = 24


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A tiny model, seven tasks of varied prompt lengths (so batches are padded), a reference run."""
    root = tmp_path_factory.mktemp("generate")
    model_dir = tiny_llama(train_tokenizer(CORPUS, vocab_size=300), root, hidden_size=32, layers=2)
    tasks = [
        {"task_id": f"Task/{i}", "prompt": p, "entry_point": f"f{i}", "kind": "instruct" if p[0].isupper() else "complete"}
        for i, p in enumerate(PROMPTS)
    ]
    tasks_file = root / "tasks.jsonl"
    tasks_file.write_text("".join(json.dumps(t) + "\n" for t in tasks), encoding="utf-8")
    reference = root / "reference.jsonl"
    code, events = run_here(write_config(root / "reference.json", model_dir, tasks_file, reference, batch_size=3))
    assert code == 0, events
    return {"root": root, "model_dir": model_dir, "tasks_file": tasks_file, "tasks": tasks, "reference": reference, "events": events}


def write_config(path: Path, model_dir, tasks_file, output, **overrides) -> Path:
    config = {"model_dir": str(model_dir), "tasks": str(tasks_file), "output": str(output), "max_new_tokens": MAX_NEW_TOKENS, **overrides}
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def config_in(setup, tmp_path, name="run", **overrides) -> Path:
    return write_config(tmp_path / f"{name}.json", setup["model_dir"], setup["tasks_file"], tmp_path / f"{name}.jsonl", **overrides)


def parse(stdout: str) -> list[dict]:
    events = [json.loads(line) for line in stdout.splitlines()]
    assert all(isinstance(e, dict) and "event" in e for e in events)
    return events


def run_here(config: Path) -> tuple[int, list[dict]]:
    """``main`` in this process, its stdout captured (capsys is function-scoped; the fixture needs this too)."""
    import io

    real, sys.stdout = sys.stdout, io.StringIO()
    try:
        code = main(["generate", "--config", str(config)])
        out = sys.stdout.getvalue()
    finally:
        sys.stdout = real
    return code, parse(out)


def run_cli(config: Path, timeout: int = 180) -> tuple[int, list[dict]]:
    done = subprocess.run(
        [sys.executable, "-m", "fait_trainer", "generate", "--config", str(config)],
        cwd=TRAINER, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return done.returncode, parse(done.stdout)


def samples(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------------------------------------
# Prompts


def test_prompt_is_evalplus_chat_prompt(setup):
    from transformers import AutoTokenizer

    evalplus = pytest.importorskip("evalplus.provider.utility")
    tokenizer = AutoTokenizer.from_pretrained(setup["model_dir"])
    for prompt in PROMPTS:
        # evalplus/codegen.py passes task["prompt"].strip() + "\n"; run_codegen's default prefixes.
        expected = evalplus.make_raw_chat_prompt(prompt.strip() + "\n", gen.INSTRUCTION_PREFIX, gen.RESPONSE_PREFIX, tokenizer)
        assert gen.build_prompt(tokenizer, prompt, "complete") == expected
    assert evalplus._MAGIC_SPLITTER_ == gen.MAGIC_SPLITTER
    assert set(evalplus.EOS) | {"\n```\n"} == set(gen.STOP_STRINGS)
    # The text itself, for this template: user turn with the fenced prompt, answer pre-filled up to the code.
    assert gen.build_prompt(tokenizer, "def f():\n  pass\n\n") == (
        "<s>### Instruction\n"
        "Please provide a self-contained Python script that solves the following problem in a markdown code block:\n"
        "```\ndef f():\n  pass\n```\n\n"
        "### Response\n"
        "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:\n"
        "```python\n"
    )


def test_instruct_kind_is_bigcodebench_instruct_prompt(setup):
    from transformers import AutoTokenizer

    bigcodebench = pytest.importorskip("bigcodebench.provider.utility")
    tokenizer = AutoTokenizer.from_pretrained(setup["model_dir"])
    for kind in gen.KINDS:
        for prompt in PROMPTS:
            expected = bigcodebench.make_raw_chat_prompt(prompt, "full", kind, gen.INSTRUCTION_PREFIX, gen.RESPONSE_PREFIX, tokenizer, prefill=True)
            assert gen.build_prompt(tokenizer, prompt, kind) == expected


def test_prompt_matches_the_training_prompt_and_magicoder_format(setup):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(setup["model_dir"])
    instruction = gen.instruction_for(PROMPTS[0])
    response_start = gen.RESPONSE_PREFIX + "\n```python\n"
    # What the model continues is what it was trained on: the training text up to the response's code.
    full, start = render(tokenizer, instruction, response_start + "x = 1\n```")
    assert gen.build_prompt(tokenizer, PROMPTS[0]) == full[: start + len(response_start)]
    magicoder = gen.build_prompt(tokenizer, PROMPTS[0], prompt_format="magicoder")
    assert magicoder == PROMPT_FORMATS["magicoder"].replace("{instruction}", instruction) + response_start


def test_solution_is_evalplus_postprocessing_and_sanitize():
    raw = (
        "import math\n\ndef helper(r):\n\treturn r * r\n\ndef area(r):\n    return math.pi * helper(r)\n\n"
        "def unused():\n    return 0\n```\n\nThis function computes the area.\n```python\nprint(area(2))\n```\n"
    )
    assert gen.cut_at_stop(raw).endswith("def unused():\n    return 0")
    solution = gen.solution_for(raw, "area", gen.evalplus_sanitizer())
    assert solution == "import math\ndef helper(r):\n    return r * r\ndef area(r):\n    return math.pi * helper(r)"
    assert gen.cut_at_stop("x = 1\nif __name__ == '__main__':\n    main()") == "x = 1"
    assert gen.cut_at_stop("y" * 20000) == "y" * gen.EVALPLUS_MAX_CHARS  # as evalplus's hf.py cuts


# ---------------------------------------------------------------------------------------------
# Generation


def test_writes_one_sample_per_task_in_task_order(setup):
    events, tasks = setup["events"], setup["tasks"]
    assert events[0] == {"event": "start", "tasks": len(tasks), "done": 0}
    batches = [e for e in events if e["event"] == "batch"]
    assert [e["done"] for e in batches] == [3, 6, 7] and all(e["total"] == 7 and e["tokens_per_s"] > 0 for e in batches)
    assert events[-1] == {"event": "done", "output": str(setup["reference"]), "samples": 7}
    lines = samples(setup["reference"])
    assert [s["task_id"] for s in lines] == [t["task_id"] for t in tasks]
    sanitize = gen.evalplus_sanitizer()
    for line, task in zip(lines, tasks):
        assert set(line) == {"task_id", "solution", "raw"}
        assert isinstance(line["raw"], str) and line["raw"]
        assert line["solution"] == gen.solution_for(line["raw"], task["entry_point"], sanitize)
    assert not Path(str(setup["reference"]) + ".partial").exists()


def test_greedy_is_deterministic_and_batching_changes_nothing(setup, tmp_path):
    reference = setup["reference"].read_text(encoding="utf-8")
    code, _ = run_here(config_in(setup, tmp_path, "again", batch_size=3))
    assert code == 0 and (tmp_path / "again.jsonl").read_text(encoding="utf-8") == reference
    # Left padding: the padded rows of a batch of 3 (or of all 7) decode as each prompt alone does.
    for batch_size in (1, 8):
        code, _ = run_here(config_in(setup, tmp_path, f"bs{batch_size}", batch_size=batch_size))
        assert code == 0
        assert [s["raw"] for s in samples(tmp_path / f"bs{batch_size}.jsonl")] == [s["raw"] for s in samples(setup["reference"])]


def test_decoding_stops_at_a_stop_string(setup, monkeypatch):
    """A stop string ends a row's decoding (EvalPlus's stop texts; here one the tiny model produces)."""
    import re

    tokenizer = gen.prepare_tokenizer(load_tokenizer(str(setup["model_dir"])))
    model = gen.load_generator(str(setup["model_dir"]), torch.device("cpu"), bf16=False)
    prompt = gen.build_prompt(tokenizer, PROMPTS[0])
    (raw,), produced = gen.generate_batch(model, tokenizer, [prompt], MAX_NEW_TOKENS, False)
    assert produced == MAX_NEW_TOKENS  # nothing stopped it (the tiny model never gives EOS)
    found = re.search(r"[A-Za-z]{2,}", raw)
    assert found, raw  # the corpus's letters: the tiny model's output has some
    stop = found.group(0)
    monkeypatch.setattr(gen, "STOP_STRINGS", (stop,))
    (cut,), produced = gen.generate_batch(model, tokenizer, [prompt], MAX_NEW_TOKENS, False)
    assert raw.startswith(cut) and stop in cut and len(cut) < len(raw) and produced < MAX_NEW_TOKENS


def test_a_complete_output_is_reported_done_without_generating(setup, tmp_path, monkeypatch):
    output = tmp_path / "done.jsonl"
    output.write_text(setup["reference"].read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(gen, "generate_batch", lambda *a, **k: pytest.fail("generated again"))
    code, events = run_here(config_in(setup, tmp_path, "done", batch_size=3))
    assert code == 0
    assert events == [{"event": "start", "tasks": 7, "done": 7}, {"event": "done", "output": str(output), "samples": 7}]


# ---------------------------------------------------------------------------------------------
# Resume


def recording(monkeypatch) -> list[str]:
    """Wraps generate_batch to record every prompt it is given."""
    seen, real = [], gen.generate_batch

    def wrapper(model, tokenizer, prompts, *args):
        seen.extend(prompts)
        return real(model, tokenizer, prompts, *args)

    monkeypatch.setattr(gen, "generate_batch", wrapper)
    return seen


def failing_after(monkeypatch, calls: int, action):
    real, count = gen.generate_batch, [0]

    def wrapper(*args):
        count[0] += 1
        if count[0] > calls:
            action()
        return real(*args)

    monkeypatch.setattr(gen, "generate_batch", wrapper)


def test_resume_generates_only_the_missing_tasks(setup, tmp_path, monkeypatch):
    config = config_in(setup, tmp_path, "resume", batch_size=3)
    failing_after(monkeypatch, 1, lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    code, events = run_here(config)
    assert code == 1 and events[-1] == {"event": "error", "kind": "internal", "message": "boom"}
    partial = tmp_path / "resume.jsonl.partial"
    assert not (tmp_path / "resume.jsonl").exists()
    assert len(partial.read_text(encoding="utf-8").splitlines()) == 1 + 3  # header + the first batch
    with partial.open("a", encoding="utf-8") as handle:  # a kill in the middle of a write
        handle.write('{"task_id": "Task/3", "solu')

    monkeypatch.undo()
    seen = recording(monkeypatch)
    code, events = run_here(config)
    assert code == 0 and events[0] == {"event": "start", "tasks": 7, "done": 3}
    assert [e["done"] for e in events if e["event"] == "batch"] == [6, 7]
    assert len(seen) == 4  # tasks 3..6, each once
    assert (tmp_path / "resume.jsonl").read_text(encoding="utf-8") == setup["reference"].read_text(encoding="utf-8")
    assert not partial.exists()


def test_resume_with_a_smaller_batch_after_a_kill(setup, tmp_path):
    """SIGKILL after the first batch (as a lost worker): the next run continues, no task twice."""
    config = config_in(setup, tmp_path, "killed", batch_size=1)
    process = subprocess.Popen(
        [sys.executable, "-m", "fait_trainer", "generate", "--config", str(config)],
        cwd=TRAINER, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        for line in process.stdout:
            if json.loads(line)["event"] == "batch":
                process.kill()
                break
    finally:
        process.kill()
        process.wait()
    partial = tmp_path / "killed.jsonl.partial"
    kept = [json.loads(line) for line in partial.read_text(encoding="utf-8").splitlines()[1:]]
    assert 1 <= len(kept) < 7

    code, events = run_cli(config)
    assert code == 0 and events[0] == {"event": "start", "tasks": 7, "done": len(kept)}
    batches = [e["done"] for e in events if e["event"] == "batch"]
    assert batches == list(range(len(kept) + 1, 8))  # one batch per missing task, none again
    final = samples(tmp_path / "killed.jsonl")
    assert final == samples(setup["reference"])
    assert [{k: s[k] for k in ("task_id", "solution", "raw")} for s in kept] == final[: len(kept)]


def test_sigterm_keeps_the_finished_batches(setup, tmp_path, monkeypatch):
    config = config_in(setup, tmp_path, "term", batch_size=2)
    failing_after(monkeypatch, 1, lambda: os.kill(os.getpid(), signal.SIGTERM))
    code, events = run_here(config)
    assert code == 143 and events[-1] == {"event": "terminated", "done": 2, "total": 7}
    assert signal.getsignal(signal.SIGTERM) is not gen._raise_terminated  # handler restored
    monkeypatch.undo()
    code, events = run_here(config)
    assert code == 0 and events[0]["done"] == 2
    assert samples(tmp_path / "term.jsonl") == samples(setup["reference"])


def test_a_partial_of_another_generation_is_not_mixed_in(setup, tmp_path, monkeypatch):
    config = config_in(setup, tmp_path, "other", batch_size=3)
    failing_after(monkeypatch, 1, lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    assert run_here(config)[0] == 1
    monkeypatch.undo()
    code, events = run_here(config_in(setup, tmp_path, "other", batch_size=3, max_new_tokens=MAX_NEW_TOKENS + 1))
    assert code == 2 and events[-1]["kind"] == "bad_input" and "another generation" in events[-1]["message"]


def test_a_changed_task_prompt_is_generated_again(setup, tmp_path, monkeypatch):
    """A partial written (here by hand, from the reference run) for a task whose prompt has changed since."""
    config = config_in(setup, tmp_path, "changed", batch_size=7)
    reference = samples(setup["reference"])
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(setup["model_dir"])
    header = {"model_dir": str(Path(setup["model_dir"]).resolve()), "max_new_tokens": MAX_NEW_TOKENS}
    lines = [{"generate": header}]
    for sample, task in zip(reference, setup["tasks"]):
        prompt = gen.build_prompt(tokenizer, task["prompt"], task["kind"])
        lines.append({**sample, "prompt_sha256": gen.prompt_key(prompt if task["task_id"] != "Task/5" else "old prompt")})
    (tmp_path / "changed.jsonl.partial").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    seen = recording(monkeypatch)
    code, events = run_here(config)
    assert code == 0 and events[0]["done"] == 6 and len(seen) == 1 and "Circle area." in seen[0]
    assert samples(tmp_path / "changed.jsonl") == reference


# ---------------------------------------------------------------------------------------------
# Bad input


def bad_input_cases(setup, tmp_path):
    tasks = setup["tasks_file"]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    no_id = tmp_path / "no_id.jsonl"
    no_id.write_text(json.dumps({"prompt": "def f(): pass"}) + "\n", encoding="utf-8")
    no_prompt = tmp_path / "no_prompt.jsonl"
    no_prompt.write_text(json.dumps({"task_id": "T/0", "entry_point": "f"}) + "\n", encoding="utf-8")
    bad_kind = tmp_path / "bad_kind.jsonl"
    bad_kind.write_text(json.dumps({"task_id": "T/0", "prompt": "x", "kind": "chat"}) + "\n", encoding="utf-8")
    twice = tmp_path / "twice.jsonl"
    twice.write_text(2 * (json.dumps({"task_id": "T/0", "prompt": "x"}) + "\n"), encoding="utf-8")
    model = setup["model_dir"]
    return {
        "missing model dir": (tmp_path / "no-such-model", tasks, {}),
        "missing tasks file": (model, tmp_path / "no-such-tasks.jsonl", {}),
        "empty tasks file": (model, empty, {}),
        "task without task_id": (model, no_id, {}),
        "task without prompt": (model, no_prompt, {}),
        "unknown kind": (model, bad_kind, {}),
        "task_id twice": (model, twice, {}),
        "unknown config key": (model, tasks, {"temperature": 0.2}),
        "bad batch size": (model, tasks, {"batch_size": 0}),
        "unknown prompt format": (model, tasks, {"prompt_format": "alpaca"}),
        "bad device": (model, tasks, {"device": "tpu"}),
        **({} if torch.cuda.is_available() else {"cuda without CUDA": (model, tasks, {"device": "cuda"})}),
    }


def test_bad_input_is_reported_with_exit_code_2(setup, tmp_path):
    for name, (model, tasks, overrides) in bad_input_cases(setup, tmp_path).items():
        config = write_config(tmp_path / "bad.json", model, tasks, tmp_path / "bad.jsonl", **overrides)
        code, events = run_here(config)
        assert code == 2, name
        assert events[-1]["event"] == "error" and events[-1]["kind"] == "bad_input", (name, events)
        assert len([e for e in events if e["event"] == "error"]) == 1
    assert not (tmp_path / "bad.jsonl").exists()


def test_bad_input_exit_code_of_the_process(setup, tmp_path):
    config = write_config(tmp_path / "bad.json", tmp_path / "no-such-model", setup["tasks_file"], tmp_path / "bad.jsonl")
    code, events = run_cli(config)
    assert code == 2 and events == [{"event": "error", "kind": "bad_input", "message": f"model directory {tmp_path / 'no-such-model'} does not exist"}]
