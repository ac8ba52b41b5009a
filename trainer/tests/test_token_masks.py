"""Token mapping of FAIT masks: hand-worked cases, properties, and a tokenizer trained here."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fait_trainer.prompting import BadInputError, encode
from fait_trainer.token_masks import MaskMismatchError, SideMask, line_ranges, token_vector, tokens_touching
from tiny import train_tokenizer

# Prompt "P: " (3 chars) then the response "ab\ncd\n"; the last token is a special token with no characters.
RESPONSE = "ab\ncd\n"
OFFSETS = [(0, 3), (3, 5), (5, 6), (6, 8), (8, 9), (0, 0)]


def test_line_ranges_follow_the_typescript_split():
    assert line_ranges("") == []
    assert line_ranges("x") == [(0, 1)]
    assert line_ranges("x\n") == [(0, 2)]
    assert line_ranges("x\r\n\ny") == [(0, 3), (3, 4), (4, 5)]


def test_hybrid_is_line_plus_char_marks():
    mask = SideMask(line_mask=[0, 1], char_spans=[(4, 5)])  # line "cd\n", char "d"
    assert token_vector(OFFSETS, RESPONSE, 3, mask) == [0, 0, 0, 2, 1, 0]
    assert token_vector(OFFSETS, RESPONSE, 3, mask, "line") == [0, 0, 0, 1, 1, 0]
    assert token_vector(OFFSETS, RESPONSE, 3, mask, "token") == [0, 0, 0, 1, 0, 0]


def test_an_edit_spanning_tokens_marks_all_of_them():
    mask = SideMask(line_mask=[1, 1], char_spans=[(1, 4)])  # "b\nc"
    assert token_vector(OFFSETS, RESPONSE, 3, mask, "token") == [0, 1, 1, 1, 0, 0]


def test_a_pure_deletion_leaves_only_line_marks():
    mask = SideMask(line_mask=[1, 0], char_spans=[])
    assert token_vector(OFFSETS, RESPONSE, 3, mask) == [0, 1, 1, 0, 0, 0]


def test_prompt_tokens_are_never_marked_even_across_the_boundary():
    straddling = [(0, 4), (4, 5), (5, 6)]  # the first token carries "a" of the response
    mask = SideMask(line_mask=[1, 0], char_spans=[(0, 1)])
    assert token_vector(straddling, RESPONSE, 3, mask) == [0, 1, 1]


def test_masks_that_do_not_fit_the_response_are_rejected():
    with pytest.raises(MaskMismatchError, match="line mask has 3 entries but the response has 2 lines"):
        token_vector(OFFSETS, RESPONSE, 3, SideMask([0, 0, 1], []))
    with pytest.raises(MaskMismatchError, match=r"char span \[5, 9\) lies outside the response of 6"):
        token_vector(OFFSETS, RESPONSE, 3, SideMask([0, 0], [(5, 9)]))


@st.composite
def tokenized(draw):
    text = draw(st.text(alphabet="ab\n é🙂", max_size=40))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=len(text))) | {0, len(text)})
    offsets = [(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]
    lines = line_ranges(text)
    line_mask = [draw(st.integers(0, 1)) for _ in lines]
    points = sorted(draw(st.sets(st.integers(0, max(0, len(text) - 1)), max_size=len(text)))) if text else []
    spans = [(p, p + 1) for p in points]
    return text, offsets, SideMask(line_mask, spans)


@settings(max_examples=300, deadline=None)
@given(tokenized(), st.integers(0, 5))
def test_properties_of_the_hybrid_vector(case, prompt_length):
    text, offsets, mask = case
    shifted = [(0, prompt_length)] * (prompt_length > 0) + [(a + prompt_length, b + prompt_length) for a, b in offsets]
    hybrid = token_vector(shifted, text, prompt_length, mask)
    line = token_vector(shifted, text, prompt_length, mask, "line")
    assert set(hybrid) <= {0, 1, 2}
    if prompt_length:
        assert hybrid[0] == 0
    marked_lines = [r for r, m in zip(line_ranges(text), mask.line_mask) if m]
    for value, is_line, (start, end) in zip(hybrid, line, shifted):
        overlaps_line = any(s < end - prompt_length and start - prompt_length < e for s, e in marked_lines)
        overlaps_char = any(start - prompt_length <= p < end - prompt_length for p, _ in mask.char_spans)
        if start >= prompt_length:
            assert value == int(overlaps_line) + int(overlaps_char)
        if value == 2:
            assert is_line == 1


def test_tokens_touching_matches_brute_force():
    offsets = [(0, 2), (2, 2), (2, 5), (5, 9), (9, 10), (10, 12)]
    spans = [(1, 2), (4, 6), (9, 10)]
    brute = [int(a < b and any(s < b and a < e for s, e in spans)) for a, b in offsets]
    assert tokens_touching(offsets, spans, 0) == brute == [1, 0, 1, 1, 1, 0]
    assert tokens_touching(offsets, [(0, 1)], 9) == [0, 0, 0, 0, 1, 0]


def test_figure_2_example_with_a_tokenizer_trained_here():
    correct = "def last_index(word):\n    return len(word) - 1\n"
    incorrect = "def last_index(word):\n    return len(word) - 2\n"
    tokenizer = train_tokenizer([correct, incorrect, "def f(x):\n    return x + 1\n"] * 5)
    encoded = encode(tokenizer, "Index of the last character.", correct)
    assert encoded.text[encoded.response_start : encoded.response_end] == correct
    one = correct.index("1")
    mask = SideMask(line_mask=[0, 1], char_spans=[(one, one + 1)])
    vector = token_vector(encoded.offsets, correct, encoded.response_start, mask)
    twos = [i for i, v in enumerate(vector) if v == 2]
    assert twos and all("1" in encoded.text[slice(*encoded.offsets[i])] for i in twos)
    marked_text = "".join(encoded.text[slice(*encoded.offsets[i])] for i, v in enumerate(vector) if v > 0)
    assert marked_text.strip() == "return len(word) - 1"
    assert all(v == 0 for (start, _), v in zip(encoded.offsets, vector) if start < encoded.response_start)


def test_a_slow_tokenizer_is_bad_input():
    class Slow:
        is_fast = False

    with pytest.raises(BadInputError, match="not a fast tokenizer"):
        encode(Slow(), "x", "y")
