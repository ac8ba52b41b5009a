"""Computes evalplus's expected outputs for the problems it is handed, inside the sandbox.

Calls `evalplus.evaluate.get_groundtruth` (the function `evalplus.evaluate` itself uses) one task
at a time, with its cache folder moved to the private /tmp, and streams each task's pickle back:
a JSON header line {"event": "gt", "task_id", "bytes"} followed by exactly that many bytes. The
parent stores one file per task, so a batch later loads only the outputs of its own tasks (the
whole-dataset pickle is 250 MB for HumanEval+ and 790 MB for MBPP+).

Environment: FAIT_DATASET (humaneval | mbpp), HUMANEVAL_OVERRIDE_PATH / MBPP_OVERRIDE_PATH.
"""

import os
import shutil

from lane_io import Channel, stub_hf_datasets


def main():
    channel = Channel()
    stub_hf_datasets()
    import evalplus.evaluate as evaluate
    from evalplus.eval._special_oracle import MBPP_OUTPUT_NOT_NONE_TASKS

    dataset = os.environ["FAIT_DATASET"]
    if dataset == "humaneval":
        from evalplus.data import get_human_eval_plus

        problems = get_human_eval_plus()
        not_none = []
    else:
        from evalplus.data import get_mbpp_plus

        problems = get_mbpp_plus()
        not_none = MBPP_OUTPUT_NOT_NONE_TASKS

    cache = os.path.join(os.environ.get("TMPDIR", "/tmp"), "evalplus-gt")
    evaluate.CACHE_DIR = cache
    for i, (task_id, problem) in enumerate(problems.items()):
        key = f"task-{i}"
        evaluate.get_groundtruth({task_id: problem}, key, not_none)
        path = os.path.join(cache, key + ".pkl")
        size = os.path.getsize(path)
        channel.send({"event": "gt", "task_id": task_id, "bytes": size})
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                channel.send_bytes(chunk)
        os.remove(path)
    shutil.rmtree(cache, ignore_errors=True)
    channel.send({"event": "done", "tasks": len(problems)})


if __name__ == "__main__":
    main()
