"""The FAIT loss on plain tensors, against values worked out by hand (comments show the arithmetic).

The tensors are float64 (loss.py keeps float64 in float64), so a value computed with a handful of
operations on numbers of size <= 4 is within ~10 * 4 * 1.1e-16 < 1e-14 of the exact one: ``close``
allows 1e-12, and an error in a formula is off by far more (the smallest hand-made difference
between cases here is 1/24).
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from fait_trainer.data import collate
from fait_trainer.loss import (
    batch_weights,
    confidence_gap_weight,
    empty_side,
    hbar,
    sample_weights,
    statistic_vector,
    token_nll,
    token_weights,
    weighted_loss,
)

# c: 4 response tokens, a: 3. Line and char marks; hybrid = line + char.
P_C = torch.tensor([0.5, 0.8, 0.2, 0.9], dtype=torch.float64)
LINE_C, CHAR_C = torch.tensor([0, 1, 1, 0]), torch.tensor([0, 1, 0, 0])
P_A = torch.tensor([0.6, 0.4, 0.5], dtype=torch.float64)
LINE_A, CHAR_A = torch.tensor([1, 1, 0]), torch.tensor([0, 1, 0])
HYB_C, HYB_A = LINE_C + CHAR_C, LINE_A + CHAR_A  # [0, 2, 1, 0], [1, 2, 0]


def close(actual, expected):
    assert torch.allclose(actual, torch.tensor(expected, dtype=actual.dtype), atol=1e-12, rtol=0), (actual, expected)


def test_eq5_eq6_means_over_marked_tokens():
    close(hbar(P_C, HYB_C), (0.8 * 2 + 0.2 * 1) / 2)  # 0.9
    close(hbar(P_A, HYB_A), (0.6 * 1 + 0.4 * 2) / 2)  # 0.7
    close(hbar(P_C, torch.zeros(4)), 0.0)


def test_fait_weights_hybrid():
    # ratio = (0.9 - 0.7) / (0.9 + 0.7) = 0.125, W = 2 - 0.125
    close(sample_weights(P_C, HYB_C, P_A, HYB_A, 2.0), [1.0, 1.875, 1.875, 1.0])


def test_granularity_line_and_token():
    # line: Hbar^c = (0.8 + 0.2) / 2 = 0.5, Hbar^a = (0.6 + 0.4) / 2 = 0.5, W = 2
    close(sample_weights(P_C, LINE_C, P_A, LINE_A, 2.0), [1.0, 2.0, 2.0, 1.0])
    # token: Hbar^c = 0.8, Hbar^a = 0.4, ratio = 1/3, only the char-marked token gets W
    close(sample_weights(P_C, CHAR_C, P_A, CHAR_A, 2.0), [1.0, 5 / 3, 1.0, 1.0])


def test_weight_statistic_changed_uses_v2_tokens_but_weights_the_same_set():
    stat_c = statistic_vector(HYB_C, HYB_C, "changed")
    stat_a = statistic_vector(HYB_A, HYB_A, "changed")
    assert stat_c.tolist() == [0, 2, 0, 0] and stat_a.tolist() == [0, 2, 0]
    # Hbar^c = 0.8 * 2 = 1.6, Hbar^a = 0.4 * 2 = 0.8, ratio = 0.8 / 2.4, W = 2 - 1/3
    close(sample_weights(P_C, HYB_C, P_A, HYB_A, 2.0, stat_correct=stat_c, stat_incorrect=stat_a), [1.0, 5 / 3, 5 / 3, 1.0])
    # With line granularity the W set is the line-marked tokens; the statistic still runs over V_hybrid = 2.
    stat_c_line = statistic_vector(LINE_C, HYB_C, "changed")
    assert stat_c_line.tolist() == [0, 2, 0, 0]
    close(
        sample_weights(P_C, LINE_C, P_A, LINE_A, 2.0, stat_correct=stat_c_line, stat_incorrect=statistic_vector(LINE_A, HYB_A, "changed")),
        [1.0, 5 / 3, 5 / 3, 1.0],
    )
    assert statistic_vector(LINE_C, HYB_C, "hybrid") is LINE_C


def test_no_marked_token_in_c_gives_alpha_minus_one_everywhere():
    close(sample_weights(P_C, torch.zeros(4), P_A, HYB_A, 2.0), [1.0] * 4)
    close(sample_weights(P_C, torch.zeros(4), P_A, HYB_A, 3.0), [2.0] * 4)


def test_no_marked_token_in_a_makes_the_ratio_one():
    # Hbar^a = 0: ratio = Hbar^c / Hbar^c = 1, W = alpha - 1
    close(sample_weights(P_C, HYB_C, P_A, torch.zeros(3), 2.0), [1.0] * 4)


def test_empty_side_marks_samples_whose_w_does_not_come_from_a_confidence_gap():
    rows_c = torch.stack([HYB_C, HYB_C, torch.zeros(4, dtype=torch.long), HYB_C])
    rows_a = torch.stack([HYB_A, torch.zeros(3, dtype=torch.long), HYB_A, statistic_vector(LINE_A, LINE_A, "changed")])
    assert empty_side(rows_c, rows_a).tolist() == [False, True, True, True]
    # With the char-marked statistic a line-only mark is empty: Hbar = 0 there, W = alpha - 1.
    stat_a = statistic_vector(LINE_A + 0, LINE_A + 0, "changed")
    assert bool(empty_side(statistic_vector(HYB_C, HYB_C, "changed"), stat_a))
    close(sample_weights(P_C, HYB_C, P_A, LINE_A, 2.0, stat_correct=statistic_vector(HYB_C, HYB_C, "changed"), stat_incorrect=stat_a), [1.0] * 4)


def test_alpha_one_zeroes_unmarked_tokens():
    close(sample_weights(P_C, HYB_C, P_A, HYB_A, 1.0), [0.0, 0.875, 0.875, 0.0])


def test_both_hbar_zero_takes_the_ratio_as_zero():
    p_c = torch.tensor([0.5, 0.0, 0.0, 0.9], dtype=torch.float64)  # marked tokens given probability 0
    close(sample_weights(p_c, HYB_C, P_A, torch.zeros(3), 2.0), [1.0, 2.0, 2.0, 1.0])
    close(confidence_gap_weight(torch.tensor(0.0), torch.tensor(0.0), 2.0), 2.0)


def test_sft_and_fixed_weights():
    close(token_weights("sft", HYB_C), [1.0] * 4)
    for w in (0, 1, 2, 3, 5):
        close(token_weights("fixed", HYB_C, fixed_weight=w), [1.0, w, w, 1.0])
        close(token_weights("fixed", CHAR_C, fixed_weight=w), [1.0, w, 1.0, 1.0])
    with pytest.raises(ValueError, match="need W"):
        token_weights("fait", HYB_C)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_w_lies_between_alpha_minus_one_and_alpha(data):
    n, m = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 8))
    probs = st.floats(0, 1, allow_nan=False)
    p_c = torch.tensor(data.draw(st.lists(probs, min_size=n, max_size=n)), dtype=torch.float64)
    p_a = torch.tensor(data.draw(st.lists(probs, min_size=m, max_size=m)), dtype=torch.float64)
    v_c = torch.tensor(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    v_a = torch.tensor(data.draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)))
    alpha = data.draw(st.sampled_from([1.0, 1.5, 2.0, 3.0]))
    weights = sample_weights(p_c, v_c, p_a, v_a, alpha)
    # W = alpha - |ratio| with |ratio| <= 1 exactly in real numbers; float64 rounding of the ratio
    # (a few operations on numbers <= 2) can overshoot 1 by a few ulp, 1e-9 is far above that.
    assert ((weights >= alpha - 1 - 1e-9) & (weights <= alpha + 1e-9)).all()
    assert (weights[v_c == 0] == alpha - 1).all()


def test_batch_weights_agree_with_sample_weights():
    generator = torch.Generator().manual_seed(0)
    rows = []
    for length_c, length_a in [(5, 7), (9, 3), (1, 1), (6, 6)]:
        rows.append(
            (
                torch.rand(length_c, generator=generator, dtype=torch.float64),
                torch.randint(0, 3, (length_c,), generator=generator),
                torch.rand(length_a, generator=generator, dtype=torch.float64),
                torch.randint(0, 3, (length_a,), generator=generator),
            )
        )
    rows[2] = (rows[2][0], torch.zeros(1, dtype=torch.long), rows[2][2], rows[2][3])  # no marks in c
    width_c, width_a = max(len(r[0]) for r in rows), max(len(r[2]) for r in rows)
    pad = lambda t, w: F.pad(t, (0, w - len(t)))  # noqa: E731 - padding carries V = 0
    stacked = [torch.stack([pad(r[i], width_c if i < 2 else width_a) for r in rows]) for i in range(4)]
    for statistic in ("hybrid", "changed"):
        stat_c, stat_a = statistic_vector(stacked[1], stacked[1], statistic), statistic_vector(stacked[3], stacked[3], statistic)
        weights, w = batch_weights(*stacked, 2.0, stat_correct=stat_c, stat_incorrect=stat_a)
        for b, (p_c, v_c, p_a, v_a) in enumerate(rows):
            expected = sample_weights(
                p_c, v_c, p_a, v_a, 2.0,
                stat_correct=statistic_vector(v_c, v_c, statistic), stat_incorrect=statistic_vector(v_a, v_a, statistic),
            )  # fmt: skip
            assert torch.allclose(weights[b, : len(p_c)], expected, atol=1e-12, rtol=0)  # float64: see the module docstring
        assert w.shape == (4,)


def test_weighted_loss_by_hand():
    # Position 0 predicts label 1 (token 0) from logits [0, 0]: NLL = ln 2.
    # Position 1 predicts label 2 (token 1) from logits [ln 3, 0]: p = 1/4, NLL = ln 4.
    logits = torch.tensor([[[0.0, 0.0], [math.log(3), 0.0], [5.0, -5.0]]])
    labels = torch.tensor([[-100, 0, 1]])
    weights = torch.tensor([[9.0, 2.0, 3.0]])  # the weight of the first label never counts
    close(weighted_loss(logits, labels, weights), (2 * math.log(2) + 3 * math.log(4)) / 2)
    close(weighted_loss(logits, torch.tensor([[-100, -100, 1]]), weights), 3 * math.log(4))
    close(weighted_loss(logits, labels, weights, num_items=4), (2 * math.log(2) + 3 * math.log(4)) / 4)


def test_weighted_loss_with_unit_weights_is_mean_cross_entropy():
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(3, 6, 11, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 11, (3, 6), generator=generator)
    labels[0, :3] = -100
    labels[2, 4:] = -100
    reference = F.cross_entropy(logits[:, :-1].reshape(-1, 11), labels[:, 1:].reshape(-1), ignore_index=-100)
    # float64 on both sides: log-softmax over 11 values and a mean over 12, within 1e-14 of each other.
    assert torch.allclose(weighted_loss(logits, labels, torch.ones(3, 6)), reference, atol=1e-12, rtol=0)
    nll = token_nll(logits, labels)
    assert nll[:, 0].eq(0).all() and nll[0, 1:3].eq(0).all()


def test_sft_loss_equals_transformers_loss(tmp_path):
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    from fait_trainer.data import build_sample
    from tiny import tiny_llama
    from trainer_fixtures import golden_pairs, tokenizer_for_golden

    hf_logging.disable_progress_bar()
    tokenizer = tokenizer_for_golden()
    model = AutoModelForCausalLM.from_pretrained(tiny_llama(tokenizer, tmp_path))
    samples = [
        build_sample(tokenizer, {"id": p["id"], "instruction": "Fix it.", "response": p["correct"], "incorrect": p["incorrect"]}, p["expected"], "t", None, 1024)
        for p in golden_pairs(6)
    ]
    batch = collate(samples, tokenizer.pad_token_id)
    assert len({len(s.input_ids) for s in samples}) > 1, "padding is exercised"
    out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels)
    ours = weighted_loss(out.logits, batch.labels, token_weights("sft", batch.v_line))
    # transformers computes in float32 (it casts the logits), and so do we for a float32 model: the
    # per-token NLLs come from the same cross-entropy kernel on the same logits; only the mean's
    # summation order may differ. A float32 sum of N positive terms has relative error <= N * u
    # (u = 2^-24), so the two means agree within N * u * loss.
    n = int(batch.label_mask.sum())
    assert abs(ours.item() - out.loss.item()) <= n * 2**-24 * out.loss.item()
