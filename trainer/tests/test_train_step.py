"""The training loop's loss is ``loss.py``'s: one micro-batch of ``train.micro_loss`` against
``loss.sample_weights`` (per sample, unpadded) and ``loss.weighted_loss`` on the same batch.

Everything runs in float64 (the model, its logits, the NLL, the weights), so the two paths may
differ only by float64 rounding: they sum the same terms in other orders (a padded batch against
one row at a time) and, with prefix reuse, P^a comes from the cached prefix instead of a plain
forward. Float64's unit roundoff is 1.1e-16; the reductions here are over at most a few thousand
terms (vocabulary 400, hidden 32, sequences of ~100 tokens, 2 layers), so any value agrees within
~1e-16 * 1e4 = 1e-12 relative, and W, a ratio of such means, within a few times that. A bound of
1e-10 relative leaves two orders of magnitude of margin, while a wrong weight on a single token
(or a different normaliser, P^a from the wrong tokens, a wrong statistic) moves the loss by more
than 1e-3 relative here.
"""

from __future__ import annotations

import contextlib

import pytest
import torch
from transformers import AutoModelForCausalLM
from transformers.utils import logging as hf_logging

from fait_trainer.config import parse_config
from fait_trainer.data import build_sample, collate
from fait_trainer.incorrect import token_probs
from fait_trainer.loss import empty_side, sample_weights, statistic_vector, token_weights, weighted_loss
from fait_trainer.train import micro_loss
from tiny import tiny_llama
from trainer_fixtures import golden_pairs, tokenizer_for_golden

hf_logging.disable_progress_bar()
BOUND = 1e-10  # relative; derived in the module docstring


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tokenizer = tokenizer_for_golden()
    model = AutoModelForCausalLM.from_pretrained(tiny_llama(tokenizer, tmp_path_factory.mktemp("model")), dtype=torch.float64).train()
    pairs = golden_pairs(12)
    records = [{"id": p["id"], "instruction": f"Task {i}.", "response": p["correct"], "incorrect": p["incorrect"]} for i, p in enumerate(pairs)]
    samples = [build_sample(tokenizer, r, p["expected"], "t", None, 1024) for r, p in zip(records, pairs)]
    return tokenizer, model, samples


def reference(model, samples, config, num_items):
    """The loss and W from loss.py's public functions, one sample at a time, no padding."""
    weights_rows, ws, empties = [], [], []
    for s in samples:
        ids = torch.tensor([s.input_ids])
        v_line, v_char = torch.tensor(s.v_line), torch.tensor(s.v_char)
        v = {"line": v_line, "token": v_char, "hybrid": v_line + v_char}
        v_c = v[config.granularity]
        if config.mode == "fait":
            a_ids = torch.tensor([s.incorrect_ids])
            a_line, a_char = torch.tensor(s.incorrect_v_line), torch.tensor(s.incorrect_v_char)
            v_a = {"line": a_line, "token": a_char, "hybrid": a_line + a_char}[config.granularity]
            with torch.no_grad():
                p_c = token_probs(model(input_ids=ids).logits, ids)[0]
                p_a = token_probs(model(input_ids=a_ids).logits, a_ids)[0]
            stat_c = statistic_vector(v_c, v["hybrid"], config.weight_statistic)
            stat_a = statistic_vector(v_a, a_line + a_char, config.weight_statistic)
            row = sample_weights(p_c, v_c, p_a, v_a, config.alpha, stat_correct=stat_c, stat_incorrect=stat_a)
            if (v_c > 0).any():
                ws.append(row[v_c > 0][0].item())
                empties.append(bool(empty_side(stat_c, stat_a)))
        else:
            row = token_weights(config.mode, v_c, fixed_weight=config.fixed_weight)
        weights_rows.append(row)
    total = 0.0
    for s, row in zip(samples, weights_rows):
        ids = torch.tensor([s.input_ids])
        labels = torch.tensor([[-100] * s.first_label + s.input_ids[s.first_label :]])
        with torch.no_grad():
            total += weighted_loss(model(input_ids=ids).logits, labels, row[None], num_items).item()
    return total, ws, empties


CASES = [
    {"mode": "fait", "weight_statistic": "hybrid"},
    {"mode": "fait", "weight_statistic": "changed", "alpha": 1.5},
    {"mode": "fait", "weight_statistic": "hybrid", "granularity": "line", "prefix_reuse": False},
    {"mode": "fait", "weight_statistic": "changed", "granularity": "token"},
    {"mode": "sft"},
    {"mode": "fixed", "fixed_weight": 3.0},
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_a_training_step_computes_loss_py_s_loss(setup, case):
    tokenizer, model, samples = setup
    config = parse_config({"model_dir": "m", "output_dir": "o", "checkpoint_dir": "c", "pairs": [], "masks": [], **case})
    batch = collate(samples, tokenizer.pad_token_id)
    num_items = sum(s.num_labels for s in samples) + 7  # as if other micro-batches or processes shared the step
    model.zero_grad()
    loss, result = micro_loss(model, model, batch, config, num_items, config.prefix_reuse, contextlib.nullcontext)
    assert loss.dtype == torch.float64 and loss.requires_grad
    expected, ws, empties = reference(model, samples, config, num_items)
    assert abs(result.loss - expected) <= BOUND * abs(expected), (result.loss, expected)
    if config.mode == "fait":
        assert result.w.tolist() == pytest.approx(ws, rel=BOUND, abs=0)
        assert result.empty_side.tolist() == empties
        # The golden pairs include samples whose incorrect side has no mark (and, for the char-marked
        # statistic, no char mark), so the count is exercised, not only zero.
        assert 0 < sum(empties) < len(empties)
    else:
        assert not result.empty_side.any()
        assert result.w.tolist() == [1.0 if config.mode == "sft" else config.fixed_weight] * len(result.w)


def test_the_comparison_notices_a_wrong_weight(setup):
    # The bound is tight enough to catch the smallest deviation a bug would make: alpha off by 1e-3.
    tokenizer, model, samples = setup
    config = parse_config({"model_dir": "m", "output_dir": "o", "checkpoint_dir": "c", "pairs": [], "masks": []})
    other = parse_config({"model_dir": "m", "output_dir": "o", "checkpoint_dir": "c", "pairs": [], "masks": [], "alpha": 2.001})
    num_items = sum(s.num_labels for s in samples)
    _, result = micro_loss(model, model, collate(samples, tokenizer.pad_token_id), config, num_items, True, contextlib.nullcontext)
    expected = reference(model, samples, other, num_items)[0]
    assert abs(result.loss - expected) > 1e3 * BOUND * abs(expected)
