"""Checks HumanEval(+) / MBPP(+) samples with evalplus's own checker, inside the sandbox.

One process serves one lane: it loads the batch's problems with evalplus's loader (the override
path points at the rows the parent handed in), then answers one command per sample on its private
stdin with `evalplus.eval.untrusted_check`, called exactly as `evalplus.evaluate.check_correctness`
calls it, against the expected outputs the parent computed earlier with
`evalplus.evaluate.get_groundtruth` (one pickle per task, in FAIT_GT_DIR). The verdict (pass / fail /
timeout, base and plus) is evalplus's; the runner only adds why a check failed.

Environment: FAIT_DATASET (humaneval | mbpp), FAIT_GT_DIR, FAIT_BASE_ONLY (1 or 0), FAIT_SWEEP, and
HUMANEVAL_OVERRIDE_PATH / MBPP_OVERRIDE_PATH, read by evalplus itself.
"""

import ctypes
import gc
import os
import pickle
import time

from lane_io import (
    Channel,
    ExceptionRecorder,
    ProcessTracker,
    category_of_dead_process,
    category_of_exception,
    stub_hf_datasets,
    sweep_strays,
)


def gt_file(gt_dir, task_id):
    return os.path.join(gt_dir, task_id.replace("/", "_") + ".pkl")


def main():
    channel = Channel()
    stub_hf_datasets()
    import evalplus.eval as ev
    from evalplus.config import DEFAULT_GT_TIME_LIMIT_FACTOR, DEFAULT_MIN_TIME_LIMIT

    dataset = os.environ["FAIT_DATASET"]
    gt_dir = os.environ["FAIT_GT_DIR"]
    base_only = os.environ.get("FAIT_BASE_ONLY") == "1"
    sweep = os.environ.get("FAIT_SWEEP") == "1"

    recorder = ExceptionRecorder()
    tracker = ProcessTracker()
    ev.swallow_io = recorder.wrap(ev.swallow_io)
    ev.multiprocessing = tracker.module

    if dataset == "humaneval":
        from evalplus.data import get_human_eval_plus

        problems = get_human_eval_plus()
    else:
        from evalplus.data import get_mbpp_plus

        problems = get_mbpp_plus()
    channel.send({"event": "ready", "tasks": len(problems)})

    for cmd in channel.commands():
        seq = cmd["seq"]
        task_id = cmd["task_id"]
        problem = problems.get(task_id)
        if problem is None:
            channel.send({"event": "verdict", "seq": seq, "error": f"unknown task {task_id}"})
            continue
        with open(gt_file(gt_dir, task_id), "rb") as f:
            expected = pickle.load(f)[task_id]
        budget = check_budget(expected["base_time"])
        if not base_only:
            budget += check_budget(expected["plus_time"])
        start_mark = channel.mark_output()
        channel.send({"event": "start", "seq": seq, "budget_s": budget, "output_mark": start_mark})

        t0 = time.monotonic()
        outcomes = {}
        for part in ["base"] if base_only else ["base", "plus"]:
            # check_correctness runs these two calls back to back; running them one at a time
            # gives each part its own exception record and process outcome.
            recorder.reset()
            tracker.last = None
            status, details = ev.untrusted_check(
                dataset,
                cmd["solution"],
                problem[f"{part}_input"],
                problem["entry_point"],
                expected=expected[part],
                atol=problem["atol"],
                ref_time=expected[f"{part}_time"],
                fast_check=True,
                min_time_limit=DEFAULT_MIN_TIME_LIMIT,
                gt_time_limit_factor=DEFAULT_GT_TIME_LIMIT_FACTOR,
            )
            outcomes[part] = describe(dataset, problem, status, list(details), recorder.read(), tracker.outcome())
            # If a later part kills this runner, the parent still knows how this part went.
            channel.send({"event": "part", "seq": seq, "part": part, "outcome": outcomes[part]})
        del expected
        release_memory()
        swept = sweep_strays() if sweep else True
        nonce = channel.mark_output()
        channel.send(
            {"event": "verdict", "seq": seq, "duration_s": time.monotonic() - t0, "swept": swept, "output_mark": nonce, **outcomes}
        )
        if not swept:
            return 3


def release_memory():
    """Hands the last task's expected outputs back to the OS. Each check's process inherits this
    runner's address space and evalplus caps it at 4 GB, so memory kept here after a task with
    huge outputs (Mbpp/255: 780 MB pickled) would come out of the next checks' allowance."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def check_budget(ref_time):
    """Longest a check can take under evalplus.eval.untrusted_check's own timeouts."""
    from evalplus.config import DEFAULT_GT_TIME_LIMIT_FACTOR, DEFAULT_MIN_TIME_LIMIT

    limits = [max(DEFAULT_MIN_TIME_LIMIT, DEFAULT_GT_TIME_LIMIT_FACTOR * t) for t in ref_time]
    timeout = min(60, sum(limits)) + 1
    return timeout + 1 + 0.5


def describe(dataset, problem, status, details, record, proc):
    out = {"status": status, "harnessStatus": status}
    if status == "pass":
        return out
    if (
        dataset == "humaneval"
        and problem["entry_point"] == "find_zero"
        and status == "fail"
        and not details
        and record is None
        and proc.get("exitcode") == 0
        and not proc.get("killed_by_harness")
    ):
        # evalplus 0.3.1's find_zero oracle `continue`s past the progress counter, so every
        # input passed yet untrusted_check reads an empty progress as a failure (evalplus PR
        # #201 and its follow-up). A clean exit with no exception recorded means all passed.
        out["status"] = "pass"
        out["note"] = "find_zero fix: evalplus 0.3.1 reports fail for every find_zero solution"
        return out
    if status == "timeout" and (record is None or proc.get("killed_by_harness")):
        out["category"], out["detail"] = category_of_dead_process(proc)
    elif record is not None:
        out["category"] = category_of_exception(record)
        out["detail"] = f"{record['type']}: {record.get('message', '')}"
        if out["category"] == "missing_library":
            out["module"] = record["module"].split(".")[0]
    else:
        out["category"] = "wrong_answer"
        out["detail"] = f"input #{len(details) - 1} gave a wrong output" if details else "wrong output"
    return out


if __name__ == "__main__":
    raise SystemExit(main() or 0)
