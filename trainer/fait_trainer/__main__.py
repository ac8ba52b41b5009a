"""``python -m fait_trainer train|launch|generate|plan --config FILE``, ``tiny-model --corpus FILE --out DIR``
and ``tokens --model DIR --pairs FILE --masks FILE`` (token_view.py: records on stdout, errors on stderr).

``train`` runs the training loop in this process (or as one rank under torchrun); ``launch`` runs
it under torchrun when the config asks for ``nproc`` > 1, else in this process; ``generate`` writes
greedy samples for evaluation (generate.py); ``plan`` prints the per-GPU memory plan of a training
config as one JSON line (memory_plan.py; ``--gpus N --gpu-memory 80GB``, nothing is loaded but
config.json). stdout carries only JSON progress lines; a failure is
one ``{"event": "error", "kind", "message"}`` line and exit code 1 (internal), 2 (bad_input) or
3 (oom); SIGTERM ends with a checkpoint (generate: the finished batches are kept) and exit code 143.
"""

from __future__ import annotations

import argparse
import ctypes
import signal
import sys
import traceback

from .errors import EXIT_CODES, BadInputError, error_kind
from .progress import Progress, stdout_reserved_for_progress


def main(argv: list[str] | None = None, *, file_descriptors: bool = False) -> int:
    parser = argparse.ArgumentParser(prog="python -m fait_trainer", description="FAIT training (JSON-lines progress on stdout)")
    parser.add_argument("command", choices=["train", "launch", "generate", "tiny-model", "sanitize", "tokens", "plan"])
    parser.add_argument("--config", help="JSON training config (train, launch) or generation config (generate)")
    parser.add_argument("--corpus", help="JSONL whose texts train the tiny model's tokenizer (tiny-model)")
    parser.add_argument("--out", help="model directory to write (tiny-model)")
    parser.add_argument("--gpus", type=int, help="GPUs (processes) to plan for (plan; default: the config's nproc)")
    parser.add_argument("--gpu-memory", default="80GB", help="memory per GPU (plan; default 80GB, GB meaning GiB)")
    parser.add_argument("--family", choices=["byte-level", "metaspace"], default="byte-level", help="tokenizer family (tiny-model)")
    parser.add_argument("--tokenizer-config", help="tokenizer_config.json-like JSON: special tokens and chat template (tiny-model)")
    parser.add_argument("--model", help="model directory whose tokenizer is used (tokens)")
    parser.add_argument("--pairs", help='JSONL of {"id", "instruction", "correct", "incorrect"} (tokens)')
    parser.add_argument("--masks", help="JSONL written by fait mask (tokens)")
    parser.add_argument("--prompt-format", help="a built-in prompt format instead of the chat template (tokens)")
    parser.add_argument("--limit", type=int, help="only the first N pairs (tokens)")
    parser.add_argument("--json", action="store_true", help="one JSON line per pair (tokens)")
    parser.add_argument("--color", choices=["auto", "always", "never"], default="auto", help="colours in the text view (tokens)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # argparse has printed the usage to stderr
        if exit.code:
            Progress(sys.stdout).emit("error", kind="bad_input", message="invalid command line; see the usage on stderr")
            return EXIT_CODES["bad_input"]
        return 0
    if args.command == "sanitize":
        from .generate import sanitize_stream

        sanitize_stream(sys.stdin, sys.stdout)
        return 0
    if args.command == "tiny-model":
        from .tiny import make_tiny_model

        print(make_tiny_model(args.corpus, args.out, args.family, args.tokenizer_config))
        return 0
    if args.command == "tokens":
        missing = [f"--{name}" for name in ("model", "pairs", "masks") if getattr(args, name) is None]
        if missing:
            sys.stderr.write(f"fait tokens: {', '.join(missing)} required\n")
            return EXIT_CODES["bad_input"]
        from .token_view import main as tokens_main

        return tokens_main(args)
    if not args.config:
        Progress(sys.stdout).emit("error", kind="bad_input", message="--config is required")
        return EXIT_CODES["bad_input"]
    if args.command == "plan":
        return plan_command(args)
    end_with_parent()
    with stdout_reserved_for_progress(file_descriptors) as stdout:
        progress = Progress(stdout)
        try:
            # Imported here so that a broken install (transformers, peft) is reported as an error event too.
            if args.command == "generate":
                from .generate import generate

                return generate(args.config, progress)
            from .config import load_config

            config = load_config(args.config)
            if args.command == "launch" and config.nproc > 1:
                from .distributed import launch

                return launch(args.config, config, stdout)
            from .train import train

            return train(config, progress)
        except Exception as error:  # every failure becomes one error line and an exit code
            kind = error_kind(error)
            if kind == "internal":
                traceback.print_exc(file=sys.stderr)
            progress.emit("error", always=True, kind=kind, message=str(error) or type(error).__name__)
            return EXIT_CODES[kind]


def plan_command(args) -> int:
    """One JSON line: the memory plan, or an error event (bad input exits 2)."""
    progress = Progress(sys.stdout)
    try:
        from .config import load_config
        from .memory_plan import Gpus, parse_memory, plan

        config = load_config(args.config)
        count = args.gpus if args.gpus is not None else config.nproc
        if count < 1:
            raise BadInputError(f"--gpus must be a positive integer, got {count}")
        memory = parse_memory(args.gpu_memory)
        progress.emit("plan", **plan(config, Gpus(count, memory, f"--gpu-memory {args.gpu_memory}")))
        return 0
    except Exception as error:
        kind = error_kind(error)
        if kind == "internal":
            traceback.print_exc(file=sys.stderr)
        progress.emit("error", always=True, kind=kind, message=str(error) or type(error).__name__)
        return EXIT_CODES[kind]


def end_with_parent() -> None:
    """Ask Linux for SIGTERM when the worker that started us dies.

    Without it a trainer whose worker was SIGKILLed would train on as an orphan, racing the
    trainer that the retried activity starts; with it, it checkpoints and exits (as on any SIGTERM).
    """
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


if __name__ == "__main__":
    sys.exit(main(file_descriptors=True))
