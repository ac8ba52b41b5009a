#!/usr/bin/env python3
"""Validate and run the bundled example instruction-tuning tasks.

Usage: python3 examples/check_tasks.py [path]

``path`` defaults to ``python-tasks.jsonl`` next to this script. For every
task the first ```python fenced block of ``response`` is extracted and run,
followed by ``tests``, in a fresh isolated interpreter (``python3 -I``) with a
10 second timeout and a temporary working directory. One line is printed per
failing task, then a final ``N passed, M failed`` line. The file's shape is
validated too (line count, unique ids, required keys, entry point defined).
Exit status is 0 only if there are no shape errors and every task passes.

Standard library only; Python 3.10+.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

EXPECTED_LINES = 100
REQUIRED_KEYS = ("id", "instruction", "response", "tests", "entry_point")
TIMEOUT_S = 10

_FENCE_RE = re.compile(r"```python[ \t]*\r?\n(.*?)(?:\r?\n)?```", re.DOTALL)


def extract_code(response: str) -> str:
    """Return the contents of the first ```python fenced block in ``response``.

    Returns an empty string when there is no such block.
    """
    match = _FENCE_RE.search(response)
    if match is None:
        return ""
    return match.group(1) + "\n"


def _defined_names(code: str) -> set[str]:
    tree = ast.parse(code)
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def _shape_errors(lineno: int, obj: object, seen_ids: dict[str, int]) -> list[str]:
    errors: list[str] = []
    where = f"line {lineno}"
    if not isinstance(obj, dict):
        return [f"{where}: expected a JSON object"]
    for key in REQUIRED_KEYS:
        if key not in obj:
            errors.append(f"{where}: missing key '{key}'")
        elif not isinstance(obj[key], str) or not obj[key].strip():
            errors.append(f"{where}: key '{key}' must be a non-empty string")
    extra = [k for k in obj if k not in REQUIRED_KEYS]
    for key in extra:
        errors.append(f"{where}: unexpected key '{key}'")
    if errors:
        return errors
    if list(obj.keys()) != list(REQUIRED_KEYS):
        first_bad = next(k for k, e in zip(obj.keys(), REQUIRED_KEYS) if k != e)
        errors.append(f"{where}: key '{first_bad}': keys out of order, expected {list(REQUIRED_KEYS)}")

    task_id = obj["id"]
    expected_id = f"ex-{lineno:03d}"
    if task_id in seen_ids:
        errors.append(
            f"{where}: key 'id': duplicate id '{task_id}' (first on line {seen_ids[task_id]})"
        )
    else:
        seen_ids[task_id] = lineno
    if task_id != expected_id:
        errors.append(f"{where}: key 'id': expected '{expected_id}', got '{task_id}'")

    code = extract_code(obj["response"])
    if not code.strip():
        errors.append(f"{where}: key 'response': no ```python fenced block found")
        return errors
    try:
        names = _defined_names(code)
    except SyntaxError as exc:
        errors.append(f"{where}: key 'response': code does not parse: {exc.msg} (line {exc.lineno})")
        return errors
    if obj["entry_point"] not in names:
        errors.append(
            f"{where}: key 'entry_point': '{obj['entry_point']}' is not defined in the response code"
        )
    try:
        ast.parse(obj["tests"])
    except SyntaxError as exc:
        errors.append(f"{where}: key 'tests': does not parse: {exc.msg} (line {exc.lineno})")
    return errors


_TB_FRAME_RE = re.compile(r'^\s*File "(?P<file>[^"]*)", line (?P<line>\d+)')


def _failure_reason(stderr: str, code_lines: int, returncode: int) -> str:
    """Summarise a traceback as 'Error: message (tests line N: source)'."""
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    if not lines:
        return f"exit status {returncode}"
    reason = lines[-1].strip()
    location = ""
    for idx in range(len(lines) - 1, -1, -1):
        match = _TB_FRAME_RE.match(lines[idx])
        if match and match.group("file").endswith("task.py"):
            lineno = int(match.group("line"))
            if lineno > code_lines:
                where = f"tests line {lineno - code_lines}"
            else:
                where = f"code line {lineno}"
            source = lines[idx + 1].strip() if idx + 1 < len(lines) - 1 else ""
            location = f" ({where}: {source})" if source else f" ({where})"
            break
    return reason + location


def run_task(code: str, tests: str) -> tuple[bool, str]:
    """Run ``code`` followed by ``tests`` in a fresh isolated interpreter.

    Returns ``(ok, reason)``; ``reason`` is empty on success.
    """
    code_part = code.rstrip("\n") + "\n\n\n"
    program = code_part + tests.rstrip("\n") + "\n"
    with tempfile.TemporaryDirectory(prefix="fait-check-") as tmp:
        script = Path(tmp) / "task.py"
        script.write_text(program, encoding="utf-8")
        try:
            proc = subprocess.run(
                [sys.executable, "-I", str(script)],
                cwd=tmp,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            return False, f"timed out after {TIMEOUT_S} s"
    if proc.returncode == 0:
        return True, ""
    return False, _failure_reason(proc.stderr, code_part.count("\n"), proc.returncode)


def _split_lines(raw: str) -> list[str]:
    # Split on "\n" only: str.splitlines() would also split on characters such
    # as U+2028 that may legitimately appear unescaped inside a JSON string.
    lines = raw.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def _runnable(obj: object) -> bool:
    if not isinstance(obj, dict):
        return False
    if not all(isinstance(obj.get(k), str) for k in REQUIRED_KEYS):
        return False
    code = extract_code(obj["response"])
    try:
        ast.parse(code)
        ast.parse(obj["tests"])
    except SyntaxError:
        return False
    return bool(code.strip())


def main(argv: list[str]) -> int:
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print("usage: python3 check_tasks.py [path]", file=sys.stderr)
        return 2
    if len(argv) == 2:
        path = Path(argv[1])
    else:
        path = Path(__file__).resolve().parent / "python-tasks.jsonl"
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {path}: {exc}", file=sys.stderr)
        return 2

    lines = _split_lines(raw)
    shape_errors: list[str] = []
    if len(lines) != EXPECTED_LINES:
        shape_errors.append(f"file: expected {EXPECTED_LINES} lines, found {len(lines)}")

    seen_ids: dict[str, int] = {}
    tasks: list[tuple[int, object]] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            shape_errors.append(f"line {lineno}: blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            shape_errors.append(f"line {lineno}: invalid JSON: {exc.msg} (column {exc.colno})")
            tasks.append((lineno, None))
            continue
        shape_errors.extend(_shape_errors(lineno, obj, seen_ids))
        tasks.append((lineno, obj))

    for err in shape_errors:
        print(f"SHAPE {err}")

    passed = failed = 0
    for lineno, obj in tasks:
        label = obj.get("id") if isinstance(obj, dict) else None
        label = label if isinstance(label, str) and label else "?"
        if not _runnable(obj):
            failed += 1
            print(f"FAIL {label} (line {lineno}): not run, see shape errors")
            continue
        ok, reason = run_task(extract_code(obj["response"]), obj["tests"])
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {label} (line {lineno}): {reason}")

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and not shape_errors and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
