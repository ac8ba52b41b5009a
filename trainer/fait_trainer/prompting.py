"""Prompt + response text for a record, and its tokenization with character offsets.

The response must be one contiguous piece of the templated text so that the masks (offsets into
the response) can be shifted onto token offsets; we check that instead of assuming it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Formats for models trained without a chat template. Magicoder's is the one the FAIT paper's
# models use; "{instruction}" is replaced, the response follows the prompt directly.
PROMPT_FORMATS = {
    "magicoder": (
        "You are an exceptionally intelligent coding assistant that consistently delivers accurate "
        "and reliable responses to user instructions.\n\n@@ Instruction\n{instruction}\n\n@@ Response\n"
    ),
}


class BadInputError(ValueError):
    """Input the trainer cannot use (reported as a ``bad_input`` error)."""


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    offsets: list[tuple[int, int]]
    text: str
    response_start: int
    response_end: int


def render(tokenizer, instruction: str, response: str, prompt_format: str | None = None) -> tuple[str, int]:
    """The full text and the index at which the response starts in it."""
    if prompt_format is not None:
        if prompt_format not in PROMPT_FORMATS:
            raise BadInputError(f"unknown prompt format {prompt_format!r}; expected one of {sorted(PROMPT_FORMATS)} or none for the chat template")
        prompt = PROMPT_FORMATS[prompt_format].replace("{instruction}", instruction)
        return prompt + response, len(prompt)
    if not getattr(tokenizer, "chat_template", None):
        raise BadInputError("the tokenizer has no chat template; set a prompt format (e.g. magicoder)")
    user = {"role": "user", "content": instruction}
    prompt = tokenizer.apply_chat_template([user], tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template([user, {"role": "assistant", "content": response}], tokenize=False)
    if not full.startswith(prompt) or full[len(prompt) : len(prompt) + len(response)] != response:
        raise BadInputError("the chat template does not put the response verbatim right after the generation prompt")
    return full, len(prompt)


def encode(tokenizer, instruction: str, response: str, prompt_format: str | None = None) -> Encoded:
    """Tokenizes prompt + response with offsets (a fast tokenizer is required for offsets)."""
    if not getattr(tokenizer, "is_fast", False):
        raise BadInputError(f"{type(tokenizer).__name__} is not a fast tokenizer: FAIT masks need return_offsets_mapping")
    text, response_start = render(tokenizer, instruction, response, prompt_format)
    encoded = tokenizer(text, return_offsets_mapping=True, add_special_tokens=prompt_format is not None)
    return Encoded(
        input_ids=list(encoded["input_ids"]),
        offsets=[tuple(o) for o in encoded["offset_mapping"]],
        text=text,
        response_start=response_start,
        response_end=response_start + len(response),
    )
