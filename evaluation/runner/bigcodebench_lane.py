"""Checks BigCodeBench samples with bigcodebench's own local execution, inside the sandbox.

Each command runs `bigcodebench.eval.untrusted_check` with the arguments that
`bigcodebench.evaluate.check_correctness` passes (bigcodebench.evaluate itself is not imported: it
pulls in the remote-execution clients gradio_client and e2b). Without ground-truth times, which need
every task's libraries, the time limit is the one `bigcodebench.evaluate` uses for a task whose
ground truth is missing (20 s, under the harness's 240 s per-task cap).

A task whose code or tests import a library that is not installed fails with ModuleNotFoundError;
it is reported as missing_library with the module name (a failure all the same, as in bigcodebench).
A test that dies resolving or reaching a remote host (the sandbox has no network) is needs_network.

Environment: FAIT_MAX_AS_MB (the harness's max_as_limit / max_data_limit, at most the sandbox's
memory), FAIT_SWEEP, BIGCODEBENCH_OVERRIDE_PATH (read by bigcodebench itself).
"""

import os
import re
import time

from lane_io import (
    Channel,
    ExceptionRecorder,
    ProcessTracker,
    category_of_dead_process,
    category_of_exception,
    is_network_failure,
    stub_hf_datasets,
    sweep_strays,
)

MIN_TIME_LIMIT = 1  # bigcodebench.evaluate's default --min_time_limit
NO_GT_TIME_LIMIT = 20  # bigcodebench.evaluate: expected_time[task_id] or 20
MAX_STACK_MB = 10  # bigcodebench.evaluate's default --max_stack_limit

_LAST_LINE = re.compile(r"^(\w+(?:\.\w+)*)(?::\s?(.*))?$")
_NO_MODULE = re.compile(r"No module named '([^']+)'")


def main():
    channel = Channel()
    stub_hf_datasets()
    try:
        # bigcodebench's reliability_guard imports pyplot in every checked process; without a font
        # cache matplotlib would then run fc-list there, and the guard's "Intercepted command"
        # lines would count as the sample's output. Loading it once here builds the cache first.
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        channel.send({"event": "fatal", "error": "bigcodebench's harness needs matplotlib in the venv"})
        return 2
    import bigcodebench.eval as bev
    from bigcodebench.data import get_bigcodebench

    max_as = int(os.environ.get("FAIT_MAX_AS_MB", str(30 * 1024)))
    sweep = os.environ.get("FAIT_SWEEP") == "1"
    recorder = ExceptionRecorder()
    tracker = ProcessTracker()
    bev.swallow_io = recorder.wrap(bev.swallow_io)
    bev.multiprocessing = tracker.module

    problems = get_bigcodebench()
    channel.send({"event": "ready", "tasks": len(problems)})
    for cmd in channel.commands():
        seq = cmd["seq"]
        problem = problems.get(cmd["task_id"])
        if problem is None:
            channel.send({"event": "verdict", "seq": seq, "error": f"unknown task {cmd['task_id']}"})
            continue
        timeout = max(float(os.environ.get("BIGCODEBENCH_TIMEOUT_PER_TASK", bev.TIMEOUT_LIMIT)), NO_GT_TIME_LIMIT)
        start_mark = channel.mark_output()
        channel.send({"event": "start", "seq": seq, "budget_s": timeout + 1 + 1 + 0.5 + 10, "output_mark": start_mark})
        recorder.reset()
        tracker.last = None
        t0 = time.monotonic()
        status, details = bev.untrusted_check(
            cmd["solution"],
            problem["test"],
            problem["entry_point"],
            max_as,
            max_as,
            MAX_STACK_MB,
            MIN_TIME_LIMIT,
            NO_GT_TIME_LIMIT,
        )
        base = describe(status, details, recorder.read(), tracker.outcome())
        swept = sweep_strays() if sweep else True
        nonce = channel.mark_output()
        channel.send({"event": "verdict", "seq": seq, "duration_s": time.monotonic() - t0, "swept": swept, "output_mark": nonce, "base": base})
        if not swept:
            return 3


def describe(status, details, record, proc):
    out = {"status": status, "harnessStatus": status}
    if status == "pass":
        return out
    if status == "timeout":
        if record is not None and not proc.get("killed_by_harness"):
            return {**out, **from_record(record)}
        out["category"], out["detail"] = category_of_dead_process(proc)
        return out
    if "ALL" in details:
        # The code or the tests failed before any test ran (import, syntax, definition).
        if record is not None:
            return {**out, **from_record(record)}
        m = _NO_MODULE.search(details["ALL"])
        if m:
            return {**out, "category": "missing_library", "module": m.group(1).split(".")[0], "detail": details["ALL"][:300]}
        if is_network_failure(details["ALL"]):
            return {**out, "category": "needs_network", "detail": details["ALL"][:300]}
        return {**out, "category": "exception", "detail": details["ALL"][:300]}
    per_test = [classify_trace(trace) for trace in details.values()]
    for wanted in ("missing_library", "needs_network", "timeout", "resource_limit", "exception", "wrong_answer"):
        for cat, detail, module in per_test:
            if cat == wanted:
                res = {**out, "category": cat, "detail": detail}
                if module:
                    res["module"] = module
                return res
    return {**out, "category": "wrong_answer", "detail": "tests failed"}


def from_record(record):
    res = {"category": category_of_exception(record), "detail": f"{record['type']}: {record.get('message', '')}"}
    if res["category"] == "missing_library":
        res["module"] = record["module"].split(".")[0]
    return res


def classify_trace(trace):
    """A unittest traceback's last line names the exception a test died of."""
    lines = [l for l in str(trace).strip().splitlines() if l.strip()]
    last = lines[-1].strip() if lines else ""
    m = _LAST_LINE.match(last)
    name = (m.group(1) if m else "").split(".")[-1]
    if name in ("ModuleNotFoundError", "ImportError"):
        mod = _NO_MODULE.search(last)
        if mod:
            return "missing_library", last[:300], mod.group(1).split(".")[0]
    if is_network_failure(last):
        return "needs_network", last[:300], None
    if name == "AssertionError":
        return "wrong_answer", last[:300], None
    if name == "TimeoutException":
        return "timeout", last[:300], None
    if name == "MemoryError":
        return "resource_limit", last[:300], None
    if name in ("SyntaxError", "IndentationError", "TabError"):
        return "syntax_error", last[:300], None
    return "exception", last[:300], None


if __name__ == "__main__":
    raise SystemExit(main() or 0)
