"""Prefix reuse gives the same P^a as a plain forward over prompt + y^a.

The model is float64, so both ways differ only by float64 rounding: attention over the cached prefix
sums the same terms in another order, over at most ~1e3 terms (sequence length, hidden size 64), so
a probability (<= 1) agrees within ~1e3 * 1.1e-16 ~ 1e-13, and W (ratios of means of those) and the
loss within a few times that relative. The bounds below (1e-11, 1e-10 for gradients, which go
through the backward pass too) keep a margin of 100; reading P^a from a wrong position or a wrong
cache length moves it by 1e-2 or more.
"""

from __future__ import annotations

import contextlib

import pytest
import torch
from transformers import AutoModelForCausalLM
from transformers.utils import logging as hf_logging

from fait_trainer.config import parse_config
from fait_trainer.data import build_sample, collate
from fait_trainer.incorrect import can_reuse, incorrect_probs_plain, incorrect_probs_reuse, token_probs
from fait_trainer.train import forward_backward
from tiny import tiny_llama
from trainer_fixtures import golden_pairs, tokenizer_for_golden

hf_logging.disable_progress_bar()


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tokenizer = tokenizer_for_golden()
    path = tiny_llama(tokenizer, tmp_path_factory.mktemp("model"), hidden_size=64, dtype=torch.float64)
    return tokenizer, path


def samples_for(tokenizer, max_length=1024, count=10):
    pairs = golden_pairs(count)
    records = [{"id": p["id"], "instruction": f"Task {i}.", "response": p["correct"], "incorrect": p["incorrect"]} for i, p in enumerate(pairs)]
    masks = [p["expected"] for p in pairs]
    # a is a prefix of c, and a equals c: the whole of a is shared.
    records.append({"id": "prefix", "instruction": "Task x.", "response": pairs[0]["correct"], "incorrect": pairs[0]["correct"][:20]})
    masks.append({"correct": {"lineMask": [0] * pairs[0]["correct"].count("\n"), "charSpans": []}, "incorrect": {"lineMask": [0], "charSpans": []}})
    records.append({"id": "same", "instruction": "Task y.", "response": pairs[1]["correct"], "incorrect": pairs[1]["correct"]})
    masks.append({"correct": {"lineMask": [0] * pairs[1]["correct"].count("\n"), "charSpans": []}, "incorrect": {"lineMask": [0] * pairs[1]["correct"].count("\n"), "charSpans": []}})
    return [build_sample(tokenizer, r, m, "t", None, max_length) for r, m in zip(records, masks)]


def compare(model, batch):
    out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=True)
    assert can_reuse(out.cache)  # else training would quietly take the plain forward
    p_correct = token_probs(out.logits, batch.input_ids).detach()
    plain = incorrect_probs_plain(model, batch)
    reused = incorrect_probs_reuse(model, out.cache, p_correct, batch)
    valid = batch.incorrect_mask.bool()
    valid[:, 0] = False
    return (plain - reused)[valid].abs().max().item()


@pytest.mark.parametrize("max_length", [1024, 40])
def test_prefix_reuse_matches_the_plain_forward(setup, max_length):
    tokenizer, path = setup
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float64).train()
    samples = samples_for(tokenizer, max_length)
    if max_length == 40:
        assert any(s.truncated for s in samples) and any(s.incorrect_truncated for s in samples)
    assert any(s.shared == len(s.incorrect_ids) for s in samples)
    assert compare(model, collate(samples, tokenizer.pad_token_id)) < 1e-11


def test_prefix_reuse_with_lora(setup):
    from peft import LoraConfig, get_peft_model

    tokenizer, path = setup
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(path, dtype=torch.float64), LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj"]))
    with torch.no_grad():  # LoRA B starts at zero; make the adapters matter
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    assert compare(model.train(), collate(samples_for(tokenizer), tokenizer.pad_token_id)) < 1e-11


def test_training_step_is_the_same_with_and_without_reuse(setup):
    tokenizer, path = setup
    batch = collate(samples_for(tokenizer), tokenizer.pad_token_id)
    config = parse_config({"model_dir": "m", "output_dir": "o", "checkpoint_dir": "c", "pairs": [], "masks": []})
    grads, results = [], []
    for reuse in (False, True):
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float64).train()
        results.append(forward_backward(model, model, batch, config, 100, 1.0, reuse, contextlib.nullcontext))
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    assert torch.allclose(results[0].w, results[1].w, atol=1e-11, rtol=0)
    assert abs(results[0].loss - results[1].loss) <= 1e-11 * abs(results[0].loss)
    assert grads[0].dtype == torch.float64 and torch.allclose(grads[0], grads[1], rtol=1e-10, atol=1e-13)


def test_any_shorter_shared_prefix_gives_the_same_probabilities(setup):
    # Reusing less than the whole shared prefix (down to nothing) only runs more of y^a.
    tokenizer, path = setup
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float64).train()
    batch = collate(samples_for(tokenizer), tokenizer.pad_token_id)
    generator = torch.Generator().manual_seed(0)
    batch.shared = (batch.shared.float() * torch.rand(batch.shared.shape, generator=generator)).long()
    batch.shared[:2] = torch.tensor([0, 1])
    assert compare(model, batch) < 1e-11
