"""Token-level FAIT masks (paper, Algorithm 1 and the hybrid mask).

The TypeScript masks stage (``masks/`` in the project) marks, for each side of a pair, the lines
that the line diff added (in the correct response c) or deleted (in the incorrect response a) and
the characters that the Levenshtein alignment inserted, deleted or substituted. Offsets are Unicode
code points, which are Python ``str`` indices, so no conversion is needed here.

This module maps those marks onto the tokens of the chat-templated prompt + response, using the
character offsets a Hugging Face fast tokenizer returns (``return_offsets_mapping=True``):

* a token is **line-marked** (1) if any of its characters lies in a marked line of the response;
* a token is **char-marked** (1) if any of its characters is a marked character; an edit that
  spans several tokens marks all of them;
* ``V_hybrid = V_line_to_token + V_token``, values in {0, 1, 2}.

Prompt tokens are never marked, nor are template tokens after the response (end-of-turn, EOS):
only characters inside the response carry marks. A pure deletion leaves c with no char marks,
only line marks: that is the definition, not a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

Granularity = Literal["line", "token", "hybrid"]
Span = tuple[int, int]


@dataclass(frozen=True)
class SideMask:
    """Marks of one response as the masks stage writes them: a 0/1 per line and char spans."""

    line_mask: Sequence[int]
    char_spans: Sequence[Span]

    @staticmethod
    def from_json(side: dict) -> "SideMask":
        return SideMask(line_mask=side["lineMask"], char_spans=[(s, e) for s, e in side["charSpans"]])


class MaskMismatchError(ValueError):
    """The masks do not belong to this response (line count or span bounds disagree)."""


def line_ranges(text: str) -> list[Span]:
    """Half-open [start, end) of each line; a line owns its terminating newline.

    A text ending in a newline has no extra empty last line, and the empty text has no lines,
    exactly as the TypeScript side splits.
    """
    ranges: list[Span] = []
    start = 0
    while start < len(text):
        newline = text.find("\n", start)
        end = len(text) if newline == -1 else newline + 1
        ranges.append((start, end))
        start = end
    return ranges


def marked_line_spans(text: str, line_mask: Sequence[int]) -> list[Span]:
    """Character spans of the marked lines, adjacent lines merged."""
    ranges = line_ranges(text)
    if len(ranges) != len(line_mask):
        raise MaskMismatchError(f"line mask has {len(line_mask)} entries but the response has {len(ranges)} lines")
    spans: list[Span] = []
    for (start, end), marked in zip(ranges, line_mask):
        if not marked:
            continue
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def tokens_touching(offsets: Sequence[Span], spans: Sequence[Span], shift: int) -> list[int]:
    """1 for each token whose characters overlap any span (spans shifted by ``shift``), else 0.

    Both token offsets and spans are sorted, so one sweep suffices. Tokens with empty offsets
    (special tokens the tokenizer added, such as BOS) cover no character and are never marked.
    """
    marks = [0] * len(offsets)
    shifted = [(s + shift, e + shift) for s, e in spans]
    j = 0
    for i, (start, end) in enumerate(offsets):
        if end <= start:
            continue
        while j < len(shifted) and shifted[j][1] <= start:
            j += 1
        k = j
        while k < len(shifted) and shifted[k][0] < end:
            if shifted[k][1] > start:
                marks[i] = 1
                break
            k += 1
    return marks


def response_token_indices(offsets: Sequence[Span], response_start: int, response_end: int) -> list[int]:
    """Indices of the tokens that belong to the response: those starting inside it.

    Template tokens after the response (end-of-turn, EOS) start after it and are not included;
    a token carried across the prompt boundary by a merge starts in the prompt and is not either.
    """
    return [i for i, (start, end) in enumerate(offsets) if response_start <= start < response_end and end > start]


def token_vector(
    offsets: Sequence[Span],
    response: str,
    response_start: int,
    mask: SideMask,
    granularity: Granularity = "hybrid",
) -> list[int]:
    """The FAIT mask over every token of the sequence (0 outside the response).

    ``offsets`` are the tokenizer's character offsets into the full templated text, whose
    response occupies ``[response_start, response_start + len(response))``.
    """
    check_char_spans(response, mask)
    line_marks = tokens_touching(offsets, marked_line_spans(response, mask.line_mask), response_start)
    char_marks = tokens_touching(offsets, mask.char_spans, response_start)
    # A token that starts before the response belongs to the prompt (its label is ignored in
    # training), even if a merge carried it across the boundary: never mark it.
    for i, (start, _) in enumerate(offsets):
        if start < response_start:
            line_marks[i] = char_marks[i] = 0
    if granularity == "line":
        return line_marks
    if granularity == "token":
        return char_marks
    return [line + char for line, char in zip(line_marks, char_marks)]


def check_char_spans(response: str, mask: SideMask) -> None:
    for start, end in mask.char_spans:
        if not 0 <= start < end <= len(response):
            raise MaskMismatchError(f"char span [{start}, {end}) lies outside the response of {len(response)} characters")


def response_vectors(spans: Sequence[Span], response: str, mask: SideMask) -> tuple[list[int], list[int]]:
    """Line and char marks of the response tokens whose response-coordinate ``spans`` are given
    (``prompting.Encoded.spans``: they tile the response, so every marked character reaches a token)."""
    check_char_spans(response, mask)
    line_spans = marked_line_spans(response, mask.line_mask)
    if not spans and (line_spans or mask.char_spans):
        raise MaskMismatchError("the response has marks but no tokens: the template strips it, all whitespace, to nothing")
    return tokens_touching(spans, line_spans, 0), tokens_touching(spans, mask.char_spans, 0)
