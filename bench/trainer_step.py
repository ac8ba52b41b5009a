"""Benchmark of one FAIT training step against plain SFT, with and without prefix reuse.

    .venv/bin/python bench/trainer_step.py [--rounds N] [--batch-size B] [--max-length T]
    .venv/bin/python bench/trainer_step.py --device cuda --size 1b     # bf16 autocast, ~1.1B params

FAIT needs P^a, the model's probabilities on the incorrect response y^a, every step. A plain extra
forward over prompt + y^a costs about a third of a training step (forward + backward ~ 3 forwards),
so fait/sft ~ 1.33. With prefix reuse only the part of y^a after its first difference from y^c
runs (trainer/fait_trainer/incorrect.py), and the target is fait/sft <= 1.2.

Data: the 100 tasks of examples/python-tasks.jsonl (instruction + markdown response) with a
seeded subtle bug in one code line each (operator flip or off-by-one number), the kind of
incorrect response the teacher writes; masks from difflib (lines and characters; close to the
masks stage, which only matters for which tokens get W, not for the timing). The model is a random
Llama (``small`` on CPU, TinyLlama-1.1B's shape for ``1b``) with a BPE tokenizer trained here.

The three variants run the same batches in the same process, interleaved batch by batch so that
drift in machine speed hits all of them alike; each step is forward + loss + backward + AdamW
step (trainer/fait_trainer/train.py's ``forward_backward``). Reported: median seconds per step,
training tokens (prompt + y^c) per second, and the ratio to SFT (median over batches of the ratio
on the same batch) next to its target; then P^a alone, plain forward against prefix reuse.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "trainer" / "tests"))  # tiny.train_tokenizer: the tests' BPE tokenizer

from fait_trainer.config import parse_config  # noqa: E402
from fait_trainer.data import collate, load_dataset  # noqa: E402
from fait_trainer.incorrect import incorrect_probs_plain, incorrect_probs_reuse, token_probs  # noqa: E402
from fait_trainer.train import autocast_for, forward_backward  # noqa: E402
from tiny import train_tokenizer  # noqa: E402

SIZES = {
    # hidden, intermediate, layers, heads, kv heads, vocab
    "small": (256, 688, 4, 8, 4, 8192),
    "1b": (2048, 5632, 22, 32, 4, 32000),  # TinyLlama-1.1B
}
FLIPS = {"==": "!=", "!=": "==", "<=": "<", ">=": ">", "<": "<=", ">": ">=", " + ": " - ", " - ": " + "}


def subtle_bug(response: str, rnd: random.Random) -> str:
    """One operator flip or off-by-one number in a random code line of the response."""
    operator, number = re.compile(r"==|!=|<=|>=|(?<![<>=!-])[<>](?![=>])| [+-] "), re.compile(r"\b\d+\b")
    lines = response.splitlines(keepends=True)
    in_code, edits = False, []
    for i, line in enumerate(lines):
        if line.startswith("```"):
            in_code = not in_code
        elif in_code:
            edits += [(i, m, FLIPS[m.group()]) for m in operator.finditer(line)]
            edits += [(i, m, str(int(m.group()) + 1)) for m in number.finditer(line)]
    if not edits:
        return response.replace("\n", " \n", 1)
    i, m, replacement = rnd.choice(edits)
    lines[i] = lines[i][: m.start()] + replacement + lines[i][m.end() :]
    return "".join(lines)


def difflib_masks(correct: str, incorrect: str) -> dict:
    def spans(points):
        out = []
        for p in points:
            if out and out[-1][1] == p:
                out[-1][1] = p + 1
            else:
                out.append([p, p + 1])
        return out

    c_lines, a_lines = correct.splitlines(keepends=True), incorrect.splitlines(keepends=True)
    line_c, line_a = [0] * len(c_lines), [0] * len(a_lines)
    for tag, a0, a1, c0, c1 in difflib.SequenceMatcher(None, a_lines, c_lines, autojunk=False).get_opcodes():
        if tag != "equal":
            line_a[a0:a1] = [1] * (a1 - a0)
            line_c[c0:c1] = [1] * (c1 - c0)
    char_c, char_a = [], []
    for tag, a0, a1, c0, c1 in difflib.SequenceMatcher(None, incorrect, correct, autojunk=False).get_opcodes():
        if tag != "equal":
            char_a.extend(range(a0, a1))
            char_c.extend(range(c0, c1))
    return {"correct": {"lineMask": line_c, "charSpans": spans(char_c)}, "incorrect": {"lineMask": line_a, "charSpans": spans(char_a)}}


def build(directory: Path, size: str, device: torch.device):
    """A random Llama of ``size`` on ``device``, a tokenizer trained here, and pairs + masks files."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tasks = [json.loads(line) for line in (ROOT / "examples" / "python-tasks.jsonl").read_text(encoding="utf-8").splitlines()]
    tokenizer = train_tokenizer([t["instruction"] + "\n" + t["response"] for t in tasks], vocab_size=2000)
    hidden, intermediate, layers, heads, kv_heads, vocab = SIZES[size]
    config = LlamaConfig(
        vocab_size=max(vocab, len(tokenizer)), hidden_size=hidden, intermediate_size=intermediate, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=kv_heads, max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    torch.manual_seed(0)
    with device:
        model = LlamaForCausalLM(config).train()  # float32 master weights, as the trainer keeps them

    rnd = random.Random(0)
    with (directory / "pairs.jsonl").open("w", encoding="utf-8") as pairs, (directory / "masks.jsonl").open("w", encoding="utf-8") as masks:
        for t in tasks:
            incorrect = subtle_bug(t["response"], rnd)
            pairs.write(json.dumps({"id": t["id"], "instruction": t["instruction"], "response": t["response"], "incorrect": incorrect}) + "\n")
            masks.write(json.dumps({"id": t["id"], **difflib_masks(t["response"], incorrect)}) + "\n")
    return model, tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--size", default=None, choices=list(SIZES), help="default: small on cpu, 1b on cuda")
    parser.add_argument("--batch-size", type=int, default=None, help="default: 4 on cpu, 8 on cuda")
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=None, help="timed batches per variant (default 10 on cpu, 20 on cuda)")
    args = parser.parse_args()
    size = args.size or ("small" if args.device == "cpu" else "1b")
    batch_size = args.batch_size or (4 if args.device == "cpu" else 8)
    rounds = args.rounds or (10 if args.device == "cpu" else 20)
    device = torch.device(args.device)

    with tempfile.TemporaryDirectory() as tmp:
        model, tokenizer = build(Path(tmp), size, device)
        dataset = load_dataset(tokenizer, [Path(tmp) / "pairs.jsonl"], [Path(tmp) / "masks.jsonl"], max_length=args.max_length)
    samples = dataset.samples
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)
    base = {"model_dir": "-", "output_dir": "-", "checkpoint_dir": "-", "pairs": [], "masks": [], "bf16": "auto"}
    variants = {
        "sft": (parse_config({**base, "mode": "sft"}), False),
        "fait, plain extra forward": (parse_config({**base, "mode": "fait"}), False),
        "fait, prefix reuse": (parse_config({**base, "mode": "fait"}), True),
    }
    bf16, autocast = autocast_for(variants["sft"][0], device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    rnd = random.Random(1)
    batches = [rnd.sample(range(len(samples)), batch_size) for _ in range(rounds + 1)]
    times: dict[str, list[float]] = {name: [] for name in variants}
    p_a_times: dict[str, list[float]] = {"plain": [], "reuse": []}
    tokens = []
    for round_index, indices in enumerate(batches):
        chosen = [samples[i] for i in indices]
        batch = collate(chosen, tokenizer.pad_token_id).to(device)
        num_items = sum(s.num_labels for s in chosen)
        if round_index:
            tokens.append(sum(len(s.input_ids) for s in chosen))
        names = list(variants)
        for name in names[round_index % 3 :] + names[: round_index % 3]:  # rotate: no variant always runs first
            config, reuse = variants[name]
            sync()
            started = time.perf_counter()
            forward_backward(model, model, batch, config, num_items, 1.0, reuse, autocast)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            sync()
            if round_index:  # the first round warms up kernels and the allocator
                times[name].append(time.perf_counter() - started)
        # P^a alone: the plain forward against the suffix-only forward on a cache of the same batch.
        with torch.no_grad(), autocast():
            out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=True)
            p_correct = token_probs(out.logits, batch.input_ids)
            for name in ("plain", "reuse"):
                sync()
                started = time.perf_counter()
                if name == "plain":
                    incorrect_probs_plain(model, batch)
                else:
                    incorrect_probs_reuse(model, out.cache, p_correct, batch)
                sync()
                if round_index:
                    p_a_times[name].append(time.perf_counter() - started)
        del out

    shared = [s.shared / len(s.incorrect_ids) for s in samples]
    parameters = sum(p.numel() for p in model.parameters())
    print(f"device {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else f'{torch.get_num_threads()} threads'}), "
          f"model {size} ({parameters / 1e6:.1f}M parameters), bf16 autocast {bf16}, batch {batch_size}, "
          f"{rounds} timed steps per variant, {statistics.mean(len(s.input_ids) for s in samples):.0f} tokens per sequence on average; "
          f"the shared prefix (prompt + response before the first difference) is {100 * statistics.mean(shared):.0f}% of prompt + y^a on average")  # fmt: skip
    sft = statistics.median(times["sft"])
    targets = {"sft": "", "fait, plain extra forward": "about 1.33", "fait, prefix reuse": "<= 1.20"}
    print(f"\n| {'variant':<26} | {'s/step':>8} | {'tokens/s':>9} | {'fait/sft':>8} | {'target':>10} |")
    print(f"|{'-' * 28}|{'-' * 10}|{'-' * 11}|{'-' * 10}|{'-' * 12}|")
    for name in variants:
        median = statistics.median(times[name])
        # The ratio is taken within each batch (same batch, back to back), then the median: a
        # machine that slows down for a while then moves both sides of a ratio alike.
        ratio = statistics.median(t / s for t, s in zip(times[name], times["sft"]))
        print(f"| {name:<26} | {median:8.3f} | {statistics.mean(tokens) / median:9.0f} | {ratio:8.2f} | {targets[name]:>10} |")
    plain, reuse = statistics.median(p_a_times["plain"]), statistics.median(p_a_times["reuse"])
    print(f"\nP^a alone (no grad), median per batch: plain forward {plain:.3f} s, prefix reuse {reuse:.3f} s "
          f"({100 * (1 - reuse / plain):.0f}% saved); that is {plain / sft:.2f} and {reuse / sft:.2f} of an SFT step")  # fmt: skip


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
