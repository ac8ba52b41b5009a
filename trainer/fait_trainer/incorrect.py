"""P^a: the probabilities the current model gives the tokens of the incorrect response (no gradient).

The plain way is a second forward pass over prompt + y^a, which costs about a third of a training
step (forward + backward is about three forwards). But y^a shares its prompt, and usually a long
stretch of its response, with y^c, and the training forward of y^c has already run that shared
prefix. With prefix reuse:

* for a token l inside the shared prefix, P^a_l is P^c_l: same context, same target;
* the key/value cache of the training forward (detached) stands in for the shared prefix, and only
  the suffix of y^a from its last shared token on runs through the model.

The suffix starts at the *last shared* token rather than the first differing one, so that its
first logits predict the first differing token; that costs one token per sample and needs nothing
else from the training forward. Each sample sees only its own prefix of the cache (a 2-D attention
mask with zeros past it) and its suffix gets explicit positions, so one batched call serves samples
whose prefixes differ in length. Both ways agree within float tolerance (tests/test_incorrect.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

from .loss import token_nll


def token_probs(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """``p[:, k]`` = probability of ``targets[:, k]`` given the tokens before it (1 at k = 0)."""
    return torch.exp(-token_nll(logits, targets))


def can_reuse(cache) -> bool:
    """Only plain full-attention caches hold the whole prefix (a sliding-window layer drops its start)."""
    return cache is not None and all(type(layer) is DynamicLayer for layer in cache.layers)


@torch.no_grad()
def incorrect_probs_plain(model, batch) -> torch.Tensor:
    """P^a from a full forward pass over prompt + y^a, [B, Ta] aligned with ``batch.incorrect_ids``."""
    logits = model(input_ids=batch.incorrect_ids, attention_mask=batch.incorrect_mask, use_cache=False).logits
    return token_probs(logits, batch.incorrect_ids)


@torch.no_grad()
def incorrect_probs_reuse(model, cache, p_correct: torch.Tensor, batch) -> torch.Tensor:
    """P^a from the training forward's cache and P^c, running only the suffixes of y^a.

    ``cache`` is the cache the training forward over ``batch.input_ids`` returned (its tensors
    may be part of the autograd graph; they are only read, detached); ``p_correct`` [B, Tc] is
    P^c aligned with ``batch.input_ids``. Returns [B, Ta] aligned with ``batch.incorrect_ids``.
    """
    a_ids = batch.incorrect_ids
    device = a_ids.device
    width_a = a_ids.shape[1]
    length_a = batch.incorrect_mask.sum(1)
    start = (batch.shared - 1).clamp(min=0)  # the last shared token; its logits predict the first new one
    suffix_length = int((length_a - start).max())
    steps = torch.arange(suffix_length, device=device)
    positions = start[:, None] + steps[None, :]
    in_suffix = positions < length_a[:, None]
    suffix = a_ids.gather(1, positions.clamp(max=width_a - 1))

    # Only the longest shared prefix of the batch is needed from the cache; the rest of y^c is cut off.
    cached = max(int(start.max()), 1)
    prefix = DynamicCache(ddp_cache_data=[(layer.keys[..., :cached, :].detach(), layer.values[..., :cached, :].detach()) for layer in cache.layers])
    attention = torch.cat([torch.arange(cached, device=device)[None, :] < start[:, None], in_suffix], dim=1).long()
    logits = model(input_ids=suffix, attention_mask=attention, position_ids=positions, cache=prefix, use_cache=True).logits
    # logits[:, j] predict the token at position start + j + 1
    targets = a_ids.gather(1, (positions + 1).clamp(max=width_a - 1))
    logits = logits if logits.dtype == torch.float64 else logits.float()  # as token_nll: float32, float64 kept
    p_suffix = torch.exp(-F.cross_entropy(logits.transpose(1, 2), targets, reduction="none"))

    k = torch.arange(width_a, device=device)[None, :]
    from_suffix = p_suffix.gather(1, (k - start[:, None] - 1).clamp(0, suffix_length - 1))
    head = p_correct.detach()
    head = head if head.dtype == torch.float64 else head.float()
    if head.shape[1] < width_a:
        head = F.pad(head, (0, width_a - head.shape[1]), value=1.0)
    return torch.where(k <= start[:, None], head[:, :width_a], from_suffix)
