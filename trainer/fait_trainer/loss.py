"""The FAIT loss (paper, section 3.2): token weights from the model's confidence on both responses.

Notation, for one sample with prompt x, correct response y^c and incorrect response y^a:

* ``P^c_k`` is the probability the current model gives token k of y^c (its target at that
  position), detached from the graph; ``P^a_l`` likewise for y^a, from a forward pass without
  gradient. Probabilities are indexed like the labels: ``p[k]`` is the probability of token k
  given tokens ``< k``.
* ``V^c``, ``V^a`` are the token masks (``token_masks.token_vector``; 0/1 for ``line`` and
  ``token`` granularity, 0/1/2 for ``hybrid``).

Eq. 5  ``Hbar^c = mean_{k: V^c_k > 0} P^c_k * V^c_k``       (0 when no token is marked)
Eq. 6  ``Hbar^a = mean_{l: V^a_l > 0} P^a_l * V^a_l``       (0 when no token is marked)
Eq. 7  ``W = alpha - |(Hbar^c - Hbar^a) / (Hbar^c + Hbar^a)|``, a constant per sample; the ratio
       is taken as 0 when ``Hbar^c + Hbar^a == 0`` (both sides unmarked or given probability 0).
Eq. 8  token weight ``w_k = W`` if ``V^c_k > 0`` else ``alpha - 1`` (so every token of a response
       without marks gets ``alpha - 1``), and the loss is
       ``L = sum_k w_k * NLL_k / N`` over the response tokens of the batch, N their number: the
       normalisation of the standard mean cross-entropy, so that all weights 1 (``sft``) is exactly
       transformers' causal-LM loss.

``weight_statistic = "changed"`` computes Eq. 5/6 over the char-marked tokens only (V = 2 in hybrid
terms, i.e. the tokens that are both line- and char-marked) instead of all marked tokens; the
tokens that receive W are unchanged. ``statistic_vector`` builds the vector Eq. 5/6 then run over.

Modes: ``fait`` (above), ``sft`` (every weight 1), ``fixed`` (weight ``fixed_weight`` on marked
tokens, 1 elsewhere).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

Mode = Literal["fait", "sft", "fixed"]
Statistic = Literal["hybrid", "changed"]
IGNORE_INDEX = -100


def statistic_vector(v_weight: torch.Tensor, v_hybrid: torch.Tensor, statistic: Statistic) -> torch.Tensor:
    """The V that Eq. 5/6 average over: the granularity's V, or V_hybrid restricted to V_hybrid = 2."""
    if statistic == "hybrid":
        return v_weight
    if statistic == "changed":
        return torch.where(v_hybrid == 2, v_hybrid, torch.zeros_like(v_hybrid))
    raise ValueError(f"unknown weight statistic {statistic!r}")


def hbar(p: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Eq. 5/6 over the last dimension: mean of ``P * V`` over the tokens with ``V > 0`` (0 if none)."""
    v = v.to(p.dtype)
    marked = (v > 0).to(p.dtype)
    return (p * v * marked).sum(-1) / marked.sum(-1).clamp(min=1)


def confidence_gap_weight(hbar_c: torch.Tensor, hbar_a: torch.Tensor, alpha: float) -> torch.Tensor:
    """Eq. 7: ``W = alpha - |(Hbar^c - Hbar^a) / (Hbar^c + Hbar^a)|``, the ratio 0 where the sum is 0."""
    total = hbar_c + hbar_a
    ratio = torch.where(total > 0, (hbar_c - hbar_a) / torch.where(total > 0, total, torch.ones_like(total)), torch.zeros_like(total))
    return alpha - ratio.abs()


def _float(p: torch.Tensor) -> torch.Tensor:
    """Detached, in float32, or in float64 when given float64 (the tests' exact comparisons)."""
    p = p.detach()
    return p if p.dtype == torch.float64 else p.float()


def confidence_w(
    p_correct: torch.Tensor, p_incorrect: torch.Tensor, stat_correct: torch.Tensor, stat_incorrect: torch.Tensor, alpha: float
) -> torch.Tensor:
    """Eq. 5-7: W of each sample (rows; last dimension the tokens) from the probabilities and the V Eq. 5/6 average over."""
    return confidence_gap_weight(hbar(_float(p_correct), stat_correct), hbar(_float(p_incorrect), stat_incorrect), alpha)


def sample_weights(
    p_correct: torch.Tensor,
    v_correct: torch.Tensor,
    p_incorrect: torch.Tensor,
    v_incorrect: torch.Tensor,
    alpha: float,
    *,
    stat_correct: torch.Tensor | None = None,
    stat_incorrect: torch.Tensor | None = None,
) -> torch.Tensor:
    """FAIT weights (Eq. 5-8) of the response tokens of c for one sample, as a 1-D tensor.

    ``p_correct``/``v_correct`` run over the response tokens of c, ``p_incorrect``/``v_incorrect``
    over those of a. ``v_correct > 0`` decides which tokens get W. Eq. 5/6 average over
    ``stat_correct``/``stat_incorrect`` when given (``statistic_vector(..., "changed")``), else
    over ``v_correct``/``v_incorrect``. Rows of a padded batch work the same way (``batch_weights``).
    """
    return batch_weights(p_correct, v_correct, p_incorrect, v_incorrect, alpha, stat_correct=stat_correct, stat_incorrect=stat_incorrect)[0]


def batch_weights(
    p_correct: torch.Tensor,
    v_correct: torch.Tensor,
    p_incorrect: torch.Tensor,
    v_incorrect: torch.Tensor,
    alpha: float,
    *,
    stat_correct: torch.Tensor | None = None,
    stat_incorrect: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``sample_weights`` for a padded batch: rows are samples, padding must carry V = 0.

    Returns (weights [B, Tc] aligned with the rows of ``p_correct``, W [B]). Tokens outside the
    response get ``alpha - 1`` too; the label mask of the loss drops them.
    """
    stat_correct = v_correct if stat_correct is None else stat_correct
    stat_incorrect = v_incorrect if stat_incorrect is None else stat_incorrect
    w = confidence_w(p_correct, p_incorrect, stat_correct, stat_incorrect, alpha)
    return token_weights("fait", v_correct, alpha=alpha, w=w), w


def empty_side(stat_correct: torch.Tensor, stat_incorrect: torch.Tensor) -> torch.Tensor:
    """Per sample (rows): Eq. 5 or Eq. 6 runs over no marked token, so that side's Hbar is 0 by definition.

    Then Eq. 7's ratio is 1 (or 0 when both sides are empty) whatever the model believes: W is
    ``alpha - 1`` (``alpha``) by construction rather than from a confidence gap. The arguments are
    the V that Eq. 5/6 average over (``statistic_vector``). The trainer reports the share of such
    samples as ``empty_side_share``.
    """
    return ~(stat_correct > 0).any(-1) | ~(stat_incorrect > 0).any(-1)


def token_weights(
    mode: Mode,
    v_weight: torch.Tensor,
    *,
    alpha: float = 2.0,
    fixed_weight: float = 2.0,
    w: torch.Tensor | None = None,
) -> torch.Tensor:
    """Weights of every token for any mode; ``w`` is the per-sample W of Eq. 7 (``fait`` only).

    ``v_weight`` is [..., T]; ``w`` is [...] (one value per sample). Weights of tokens that carry no
    label do not matter: the loss ignores them.
    """
    marked = v_weight > 0
    if mode == "sft":
        return torch.ones(v_weight.shape, dtype=torch.float32, device=v_weight.device)
    if mode == "fixed":
        return torch.where(marked, float(fixed_weight), 1.0).float()
    if mode == "fait":
        if w is None:
            raise ValueError("fait weights need W")
        return torch.where(marked, _float(w).unsqueeze(-1), alpha - 1.0)
    raise ValueError(f"unknown mode {mode!r}")


def token_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per-token NLL aligned with the targets: ``nll[:, k] = -log p(targets[:, k] | tokens < k)``.

    Shifted exactly as transformers' causal-LM loss shifts (pad the targets with one ignored
    position at the end, drop the first), in float32 as it computes (float64 logits stay float64,
    for exact comparisons in the tests); ``nll[:, 0]`` and ignored targets are 0.
    """
    shifted = F.pad(targets, (0, 1), value=IGNORE_INDEX)[..., 1:]
    nll = F.cross_entropy(
        (logits if logits.dtype == torch.float64 else logits.float()).reshape(-1, logits.shape[-1]),
        shifted.reshape(-1).to(logits.device),
        ignore_index=IGNORE_INDEX,
        reduction="none",
    ).view(shifted.shape)
    # Position k of ``nll`` predicted token k + 1; move it so that it sits under the target.
    return F.pad(nll, (1, 0))[..., :-1]


def weighted_nll(nll: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor, num_items: int | torch.Tensor | None = None) -> torch.Tensor:
    """Eq. 8 from ``token_nll``'s output: ``sum(weight * NLL) / count`` over the counted labels."""
    counted = labels != IGNORE_INDEX
    counted[..., 0] = False  # the first label is never predicted
    if num_items is None:
        num_items = counted.sum()
    # where, not a product: an ignored position's NLL may be anything (training passes the NLL of every position)
    return torch.where(counted, nll * weights.to(nll.dtype), 0.0).sum() / num_items


def weighted_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    weights: torch.Tensor,
    num_items: int | torch.Tensor | None = None,
) -> torch.Tensor:
    """Eq. 8: ``sum(weight * NLL) / count`` over the non-ignored labels, shifted as transformers shifts.

    ``logits`` [B, T, V]; ``labels`` [B, T] with -100 where ignored; ``weights`` [B, T] aligned with
    the labels (the weight of label k multiplies the NLL of predicting token k). ``num_items``
    overrides the count, for a normaliser over a whole optimizer step (gradient accumulation,
    several processes), as transformers' ``num_items_in_batch`` does. The training loop runs the
    same two functions (``token_nll``, then ``weighted_nll``), keeping the NLL for P^c in between.
    """
    return weighted_nll(token_nll(logits, labels), labels, weights, num_items)
