"""How a failed run is reported: one ``error`` event with a kind, and an exit code per kind.

The TypeScript activity retries ``internal`` errors and an ``oom`` may be retried with a smaller
batch, but ``bad_input`` will fail the same way every time, so it must be told apart.
"""

from __future__ import annotations

import torch

from .prompting import BadInputError
from .token_masks import MaskMismatchError

EXIT_CODES = {"internal": 1, "bad_input": 2, "oom": 3}
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a process killed by SIGTERM

__all__ = ["BadInputError", "EXIT_CODES", "EXIT_TERMINATED", "error_kind"]


def error_kind(error: BaseException) -> str:
    if isinstance(error, (BadInputError, MaskMismatchError)):
        return "bad_input"
    if isinstance(error, (torch.OutOfMemoryError, MemoryError)):
        return "oom"
    if isinstance(error, RuntimeError) and "out of memory" in str(error).lower():
        return "oom"  # allocator failures that some backends raise as plain RuntimeError
    return "internal"
