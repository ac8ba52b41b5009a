"""Greedy generation for evaluation: ``python -m fait_trainer generate --config FILE``.

One sample per task, in EvalPlus's samples format (JSON lines ``{"task_id", "solution", "raw"}``,
in the order of the tasks file), made the way EvalPlus 0.3.1 makes them for an instruction-tuned
model, so that its numbers are comparable with published ones:

* the prompt (``build_prompt``) is ``evalplus.provider.utility.make_raw_chat_prompt``: the user
  message is ``INSTRUCTION_PREFIX``, then the task prompt, stripped, in a ``` fence, and the
  assistant turn is pre-filled with ``RESPONSE_PREFIX`` + "\\n```python\\n"; the chat template
  renders it (cut at ``MAGIC_SPLITTER``, as EvalPlus does). A task of kind ``instruct`` (a
  natural-language prompt, BigCodeBench's instruct split) has no fence around its prompt, as in
  ``bigcodebench.provider.utility.make_raw_chat_prompt``. With ``prompt_format: "magicoder"`` the
  same instruction goes into ``prompting.PROMPT_FORMATS["magicoder"]`` and the response prefix follows;
* the prompt text is tokenized as the trainer tokenizes it (prompting.encode): no special tokens
  added to a chat template's text (it writes its own BOS), the tokenizer's added to a prompt format.
  EvalPlus's ``tokenizer.encode(prompt)`` adds them to the template's text too, which gives a
  second BOS with templates that start with one; the text is the same;
* decoding is greedy (argmax, no logits processor: the model's own generation_config only lends
  its EOS ids), batched with left padding, and stops at EOS, at one of EvalPlus's stop strings
  (``STOP_STRINGS``: its ``EOS`` list plus the closing fence its HF and vLLM providers add for chat
  models), or at ``max_new_tokens``;
* ``raw`` is the decoded generation (prompt tokens stripped, special tokens skipped); ``solution`` is
  what EvalPlus's codegen writes: the raw text cut at the first stop string with tabs as 4 spaces
  (its ``HuggingFaceDecoder.codegen``), then ``evalplus.sanitize.sanitize(text, entrypoint=entry_point)``.
  EvalPlus's codegen sanitizes the generated text alone for chat models (``solution = impl``); it
  prepends nothing (only direct completion prepends the task prompt).

Resuming: each finished batch is appended to ``OUTPUT.partial`` (complete lines, flushed and
fsynced); a restart keeps the samples there and generates only the missing tasks. The output file
itself is written once, in task order, to a temporary file that is renamed into place, so it exists
only when complete (a run that finds it complete reports done without loading the model). Batches
are cut at fixed positions of the task list, so a resumed run puts together the same batches as an
uninterrupted one (and, with the same batch size, gets the same outputs even where padding would
change a float); a smaller batch size after an ``oom`` simply continues.

Config (JSON, unknown keys are ``bad_input``): ``model_dir``, ``tasks`` (JSONL of ``{"task_id",
"prompt", "entry_point", "kind": "complete" | "instruct"}``), ``output`` required; ``batch_size`` 8,
``max_new_tokens`` 768, ``prompt_format`` null | "magicoder", ``bf16`` "auto" (bf16 weights on a
CUDA device that supports them, as EvalPlus loads models) | true | false, ``device`` "auto" | "cpu" |
"cuda" | "cuda:N".

Events: ``start {tasks, done}``, ``batch {done, total, tokens_per_s}``, ``done {output, samples}``;
``terminated {done, total}`` on SIGTERM (exit 143); errors as in the trainer.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path

import torch

from .checkpoint import _fsync
from .config import CHOICES, _is_int, read_json_file, reject_unknown_keys
from .data import read_jsonl
from .errors import EXIT_TERMINATED, BadInputError
from .model import load_tokenizer
from .progress import Progress
from .prompting import render

# evalplus/codegen.py (run_codegen): the default (non-EvalPerf) instruction and response prefixes;
# bigcodebench/generate.py uses the same two as its defaults.
INSTRUCTION_PREFIX = "Please provide a self-contained Python script that solves the following problem in a markdown code block:"
RESPONSE_PREFIX = "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:"
# evalplus/provider/utility.py: "some random words which serves as the splitter".
MAGIC_SPLITTER = "-[[]]-this-is-really-our-highest-priority-[[]]-"
# evalplus/provider/utility.py EOS, plus "\n```\n", which hf.py and vllm.py add for chat models.
STOP_STRINGS = ("<|endoftext|>", "<|endofmask|>", "</s>", "\nif __name__", "\ndef main(", "\nprint(", "\n```\n")
# evalplus/provider/hf.py starts its search for the first stop string at this index: longer outputs are cut there.
EVALPLUS_MAX_CHARS = 10000
KINDS = ("complete", "instruct")
DEVICES = ("auto", "cpu", "cuda")


# ---------------------------------------------------------------------------------------------
# Config and tasks


@dataclass(frozen=True)
class GenerateConfig:
    model_dir: str
    tasks: str
    output: str
    batch_size: int = 8
    max_new_tokens: int = 768
    prompt_format: str | None = None
    bf16: object = "auto"
    device: str = "auto"


def parse_generate_config(raw) -> GenerateConfig:
    if not isinstance(raw, dict):
        raise BadInputError("config: expected a JSON object")
    reject_unknown_keys(raw, GenerateConfig)
    for key in ("model_dir", "tasks", "output"):
        if key not in raw:
            raise BadInputError(f"config: missing key {key!r}")
        if not isinstance(raw[key], str) or not raw[key]:
            raise BadInputError(f"config: {key} must be a non-empty path")
    for key in ("batch_size", "max_new_tokens"):
        if key in raw and (not _is_int(raw[key]) or raw[key] < 1):
            raise BadInputError(f"config: {key} must be a positive integer, got {raw[key]!r}")
    for key in ("prompt_format", "bf16"):  # the trainer's choices, compared with types as config.py does
        if key in raw and not any(raw[key] == c and type(raw[key]) is type(c) for c in CHOICES[key]):
            raise BadInputError(f"config: {key} must be one of {list(CHOICES[key])}, got {raw[key]!r}")
    device = raw.get("device", "auto")
    if not isinstance(device, str) or not (device in DEVICES or (device.startswith("cuda:") and device[5:].isdigit())):
        raise BadInputError(f'config: device must be "auto", "cpu", "cuda" or "cuda:N", got {device!r}')
    return GenerateConfig(**raw)


def load_generate_config(path: str) -> GenerateConfig:
    raw = read_json_file(path)
    return parse_generate_config(raw)


@dataclass(frozen=True)
class Task:
    task_id: str
    prompt: str
    entry_point: str | None = None
    kind: str = "complete"


def read_tasks(path: str) -> list[Task]:
    """The tasks in file order; a missing or empty file, or a malformed line, is bad input."""
    tasks, seen = [], set()
    for record, where in read_jsonl(path, required_key=None):
        task_id, prompt = record.get("task_id"), record.get("prompt")
        if not isinstance(task_id, str) or not task_id:
            raise BadInputError(f'{where}: expected a non-empty string "task_id"')
        if not isinstance(prompt, str):
            raise BadInputError(f'{where}: expected a string "prompt"')
        entry_point, kind = record.get("entry_point"), record.get("kind", "complete")
        if entry_point is not None and not isinstance(entry_point, str):
            raise BadInputError(f'{where}: "entry_point" must be a string')
        if kind not in KINDS:
            raise BadInputError(f'{where}: "kind" must be one of {list(KINDS)}, got {kind!r}')
        if task_id in seen:
            raise BadInputError(f"{where}: task_id {task_id!r} appears twice")
        seen.add(task_id)
        tasks.append(Task(task_id, prompt, entry_point, kind))
    if not tasks:
        raise BadInputError(f"tasks {path}: no tasks")
    return tasks


# ---------------------------------------------------------------------------------------------
# Prompts and post-processing (EvalPlus's)


def instruction_for(task_prompt: str, kind: str = "complete") -> str:
    """The user message of make_raw_chat_prompt (EvalPlus; BigCodeBench's split "instruct" unfenced)."""
    if kind == "complete":
        return f"{INSTRUCTION_PREFIX}\n```\n{task_prompt.strip()}\n```\n"
    return f"{INSTRUCTION_PREFIX}\n{task_prompt.strip()}\n"


def build_prompt(tokenizer, task_prompt: str, kind: str = "complete", prompt_format: str | None = None) -> str:
    """The text the model continues: the rendered user turn and the pre-filled start of the answer."""
    instruction = instruction_for(task_prompt, kind)
    response_start = f"{RESPONSE_PREFIX}\n```python\n"
    if prompt_format is not None:
        text, _ = render(tokenizer, instruction, response_start, prompt_format)  # the trainer's format
        return text
    if not getattr(tokenizer, "chat_template", None):
        raise BadInputError("the tokenizer has no chat template; set a prompt format (e.g. magicoder)")
    response = f"{response_start}{MAGIC_SPLITTER}\n```\n"
    messages = [{"role": "user", "content": instruction}, {"role": "assistant", "content": response}]
    rendered = tokenizer.apply_chat_template(messages, tokenize=False)
    if MAGIC_SPLITTER not in rendered:
        raise BadInputError("the chat template does not render the assistant's message, so the answer cannot be pre-filled")
    return rendered.split(MAGIC_SPLITTER)[0]


def evalplus_sanitizer():
    """``evalplus.sanitize.sanitize``. evalplus.data imports HF ``datasets`` at module level for
    downloads never made here; it is stubbed when missing, as the evaluation runner does."""
    try:
        import datasets  # noqa: F401
    except ImportError:
        sys.modules.setdefault("datasets", types.SimpleNamespace(load_dataset=None))
    from evalplus.sanitize import sanitize

    return sanitize


def cut_at_stop(raw: str) -> str:
    """evalplus/provider/hf.py: the output up to the first stop string, tabs as four spaces."""
    end = min([EVALPLUS_MAX_CHARS] + [raw.index(stop) for stop in STOP_STRINGS if stop in raw])
    return raw[:end].replace("\t", "    ")


def solution_for(raw: str, entry_point: str | None, sanitize) -> str:
    return sanitize(cut_at_stop(raw), entrypoint=entry_point)


def sanitize_stream(source, sink) -> None:
    """``{"raw", "entry_point"}`` JSON lines in, ``{"solution"}`` lines out: EvalPlus's extraction
    for answers generated elsewhere (an OpenAI-compatible endpoint), as its codegen does for chat
    models (the whole answer, sanitized with the entry point)."""
    sanitize = evalplus_sanitizer()
    for line in source:
        if line.strip():
            item = json.loads(line)
            sink.write(json.dumps({"solution": sanitize(item["raw"], entrypoint=item.get("entry_point"))}) + "\n")
    sink.flush()


# ---------------------------------------------------------------------------------------------
# Resumable output


def prompt_key(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()


class Partial:
    """``OUTPUT.partial``: a header line naming the generation, then one line per finished sample
    (``task_id``, ``solution``, ``raw`` and the hash of the prompt it answers).

    A sample is reused only for the same prompt text (task prompt, kind, template and format all
    enter it); a partial from another model directory or ``max_new_tokens`` is bad input rather
    than mixed in. A torn last line (a kill during a write) is cut off.
    """

    def __init__(self, output: Path, header: dict):
        self.path = output.with_name(output.name + ".partial")
        self.header = header
        self.samples: dict[tuple[str, str], dict] = {}
        self._handle = None

    def load(self) -> None:
        if not self.path.is_file():
            return
        data = self.path.read_bytes()
        good, lines = 0, []
        while True:
            end = data.find(b"\n", good)
            if end < 0:
                break
            try:
                lines.append(json.loads(data[good:end]))
            except (json.JSONDecodeError, UnicodeDecodeError):
                break
            good = end + 1
        if good < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(good)
        if not lines:
            return
        if lines[0] != {"generate": self.header}:
            raise BadInputError(
                f"{self.path} holds samples of another generation ({json.dumps(lines[0])[:300]}, now {json.dumps(self.header)}); "
                "delete it or write to another output"
            )
        for line in lines[1:]:
            self.samples.setdefault((line["task_id"], line["prompt_sha256"]), line)

    def get(self, task_id: str, key: str) -> dict | None:
        return self.samples.get((task_id, key))

    def append(self, records: list[dict]) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = not self.path.is_file() or self.path.stat().st_size == 0
            self._handle = self.path.open("a", encoding="utf-8")
            if fresh:
                self._handle.write(json.dumps({"generate": self.header}) + "\n")
        self._handle.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        self._handle.flush()
        os.fsync(self._handle.fileno())
        for r in records:
            self.samples.setdefault((r["task_id"], r["prompt_sha256"]), r)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def write_samples(output: Path, samples: list[dict]) -> None:
    """The samples file, complete or not at all: a temporary file renamed into place."""
    output.parent.mkdir(parents=True, exist_ok=True)
    for stale in output.parent.glob(f".tmp-{output.name}-*"):  # left by a killed run
        stale.unlink(missing_ok=True)
    tmp = output.with_name(f".tmp-{output.name}-{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as handle:
        for s in samples:
            handle.write(json.dumps({"task_id": s["task_id"], "solution": s["solution"], "raw": s["raw"]}, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, output)
    _fsync(output.parent)


def complete_output(output: Path, tasks: list[Task]) -> bool:
    """Whether ``output`` already holds one sample per task, in task order."""
    if not output.is_file():
        return False
    try:
        ids = [json.loads(line)["task_id"] for line in output.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
        return False
    return ids == [t.task_id for t in tasks]


# ---------------------------------------------------------------------------------------------
# The model


def choose_device(config: GenerateConfig) -> torch.device:
    if config.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if config.device.startswith("cuda") and not torch.cuda.is_available():
        raise BadInputError(f"config: device {config.device} asked for, but CUDA is not available")
    return torch.device(config.device)


def use_bf16(config: GenerateConfig, device: torch.device) -> bool:
    """The trainer's rule (train.autocast_for): bf16 on CUDA for "auto", wherever asked for true."""
    from .train import autocast_for

    return autocast_for(config, device)[0]


def load_generator(model_dir: str, device: torch.device, bf16: bool):
    """The model for inference, in bf16 (EvalPlus's default dtype) or float32, with a plain greedy
    generation config: the model's own (sampling settings, repetition penalty) would otherwise fill
    in what is not set; only its EOS ids are kept (an end-of-turn token is often among them)."""
    from transformers import AutoModelForCausalLM, GenerationConfig

    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16 if bf16 else torch.float32)
    own = model.generation_config
    model.generation_config = GenerationConfig(bos_token_id=own.bos_token_id, eos_token_id=own.eos_token_id, pad_token_id=own.pad_token_id)
    return model.to(device).eval()


def eos_ids(model, tokenizer) -> list[int]:
    ids = model.generation_config.eos_token_id
    ids = [] if ids is None else [ids] if isinstance(ids, int) else list(ids)
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    return ids


def prepare_tokenizer(tokenizer):
    """Left padding (the prompts end where generation starts), with the pad token or EOS as pad."""
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        if tokenizer.eos_token is None:
            raise BadInputError("the tokenizer has neither a pad nor an EOS token to pad batches with")
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


@torch.inference_mode()
def generate_batch(model, tokenizer, prompts: list[str], max_new_tokens: int, add_special_tokens: bool) -> tuple[list[str], int]:
    """Greedy continuations of ``prompts`` (decoded, prompt stripped) and the number of tokens generated.

    ``add_special_tokens`` as in prompting.encode: a chat template writes its own BOS; a plain
    prompt format gets the tokenizer's.
    """
    from transformers import GenerationConfig

    device = next(model.parameters()).device
    batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=add_special_tokens).to(device)
    settings = GenerationConfig(
        do_sample=False, num_beams=1, max_new_tokens=max_new_tokens, eos_token_id=eos_ids(model, tokenizer),
        pad_token_id=tokenizer.pad_token_id, stop_strings=list(STOP_STRINGS),
    )  # fmt: skip
    out = model.generate(**batch, generation_config=settings, tokenizer=tokenizer)
    new = out[:, batch["input_ids"].shape[1] :]
    # A finished row is filled with pad tokens up to the batch's length: those are not generated.
    produced = int(sum(_length_without_trailing(row, tokenizer.pad_token_id) for row in new.tolist()))
    return tokenizer.batch_decode(new, skip_special_tokens=True), produced


def _length_without_trailing(row: list[int], pad: int) -> int:
    n = len(row)
    while n and row[n - 1] == pad:
        n -= 1
    return n


# ---------------------------------------------------------------------------------------------
# The run


class Terminated(Exception):
    pass


def _raise_terminated(signum, frame):
    raise Terminated()


def generate(config_path: str, progress: Progress) -> int:
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    state = {"done": 0, "total": 0}
    try:
        return run(load_generate_config(config_path), progress, state)
    except Terminated:
        # The batch under way is lost; the finished ones are in the partial file.
        progress.emit("terminated", done=state["done"], total=state["total"])
        return EXIT_TERMINATED
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(config: GenerateConfig, progress: Progress, state: dict) -> int:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tasks = read_tasks(config.tasks)
    output = Path(config.output)
    state["total"] = len(tasks)
    if complete_output(output, tasks):
        progress.emit("start", tasks=len(tasks), done=len(tasks))
        progress.emit("done", output=str(output), samples=len(tasks))
        return 0
    sanitize = evalplus_sanitizer()  # before the model loads: a broken install fails at once
    tokenizer = prepare_tokenizer(load_tokenizer(config.model_dir))
    prompts = [build_prompt(tokenizer, t.prompt, t.kind, config.prompt_format) for t in tasks]
    keys = [prompt_key(p) for p in prompts]
    partial = Partial(output, {"model_dir": str(Path(config.model_dir).resolve()), "max_new_tokens": config.max_new_tokens})
    partial.load()
    done = sum(partial.get(t.task_id, k) is not None for t, k in zip(tasks, keys))
    state["done"] = done
    progress.emit("start", tasks=len(tasks), done=done)
    try:
        if done < len(tasks):
            device = choose_device(config)
            model = load_generator(config.model_dir, device, use_bf16(config, device))
            for start in range(0, len(tasks), config.batch_size):
                todo = [i for i in range(start, min(start + config.batch_size, len(tasks))) if partial.get(tasks[i].task_id, keys[i]) is None]
                if not todo:
                    continue
                began = time.perf_counter()
                raws, produced = generate_batch(model, tokenizer, [prompts[i] for i in todo], config.max_new_tokens, config.prompt_format is not None)
                tokens_per_s = produced / max(time.perf_counter() - began, 1e-9)
                records = [
                    {"task_id": tasks[i].task_id, "solution": solution_for(raw, tasks[i].entry_point, sanitize), "raw": raw, "prompt_sha256": keys[i]}
                    for i, raw in zip(todo, raws)
                ]
                partial.append(records)
                done += len(todo)
                state["done"] = done
                progress.emit("batch", done=done, total=len(tasks), tokens_per_s=tokens_per_s)
    finally:
        partial.close()
    write_samples(output, [partial.get(t.task_id, k) for t, k in zip(tasks, keys)])
    partial.path.unlink(missing_ok=True)
    progress.emit("done", output=str(output), samples=len(tasks))
    return 0
