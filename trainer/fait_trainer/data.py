"""Training samples: pairs joined with their masks, tokenized, truncated, and batched.

A pairs file has one JSON object per line, ``{"id", "instruction", "response", "incorrect", ...}``;
a masks file (the masks stage's output) ``{"id", "correct": {"lineMask", "charSpans"},
"incorrect": {...}, "stats": {...}}``. They are joined by id; a pair without masks, or with masks
that do not fit its responses, is bad input: the masks do not belong to these pairs, and training on
a subset would silently change the experiment.

The loss covers the completion: the response's tokens and the end-of-turn / EOS tokens the template
emits after it (prompting.encode cuts the sequence there), so the end of the turn is trained too
(weight ``alpha - 1`` in ``fait``, since no mark reaches it), as in ordinary instruction tuning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .loss import IGNORE_INDEX
from .prompting import BadInputError, encode
from .token_masks import MaskMismatchError, SideMask, response_vectors


@dataclass
class Sample:
    """One (correct, incorrect) pair as token ids and masks, truncated to ``max_length``."""

    id: object
    input_ids: list[int]  # prompt + correct response + end of turn
    first_label: int  # labels start here; earlier tokens are the prompt
    v_line: list[int]  # line marks of the correct response per token (0/1)
    v_char: list[int]  # char marks (0/1); V_hybrid = v_line + v_char
    incorrect_ids: list[int]  # prompt + incorrect response + end of turn
    incorrect_v_line: list[int]
    incorrect_v_char: list[int]
    shared: int  # leading tokens the two sequences have in common
    truncated: bool = False
    incorrect_truncated: bool = False

    @property
    def num_labels(self) -> int:
        return len(self.input_ids) - self.first_label

    def marked(self, granularity: str) -> int:
        """Tokens of the correct response with V > 0."""
        if granularity == "line":
            return sum(self.v_line)
        if granularity == "token":
            return sum(self.v_char)
        return sum(1 for line, char in zip(self.v_line, self.v_char) if line or char)


@dataclass
class Dataset:
    samples: list[Sample]
    truncated: int = 0  # correct sequences cut to max_length
    incorrect_truncated: int = 0
    dropped: list = field(default_factory=list)  # ids whose prompt alone fills max_length


def read_jsonl(path: str, required_key: str | None = "id") -> list[tuple[dict, str]]:
    """Records with ``file:line`` for messages; bad JSON or a non-object line is bad input."""
    file = Path(path)
    if not file.is_file():
        raise BadInputError(f"{path}: file not found")
    records = []
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise BadInputError(f"{where}: not valid JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise BadInputError(f"{where}: expected a JSON object")
            if required_key is not None and required_key not in record:
                raise BadInputError(f'{where}: expected a JSON object with an "{required_key}"')
            records.append((record, where))
    return records


def id_key(value) -> str:
    # JSON text keeps 7 and "7" apart, as the TypeScript side does.
    return json.dumps(value)


def side_vectors(tokenizer, instruction: str, response: str, mask: SideMask, prompt_format):
    """Token ids (prompt, response, end of turn) with the response tokens' line and char marks."""
    encoded = encode(tokenizer, instruction, response, prompt_format)
    line, char = response_vectors(encoded.spans, response, mask)
    v_line, v_char = [0] * len(encoded.input_ids), [0] * len(encoded.input_ids)
    for i, l, c in zip(encoded.response_tokens, line, char):
        v_line[i], v_char[i] = l, c
    return list(encoded.input_ids), max(encoded.first_label, 1), v_line, v_char


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def build_sample(tokenizer, pair: dict, masks: dict, where: str, prompt_format, max_length: int) -> Sample | None:
    for key in ("instruction", "response", "incorrect"):
        if not isinstance(pair.get(key), str):
            raise BadInputError(f'{where}: field "{key}" must be a string')
    try:
        correct = side_vectors(tokenizer, pair["instruction"], pair["response"], SideMask.from_json(masks["correct"]), prompt_format)
        incorrect = side_vectors(tokenizer, pair["instruction"], pair["incorrect"], SideMask.from_json(masks["incorrect"]), prompt_format)
    except BadInputError:
        raise
    except MaskMismatchError as error:
        raise BadInputError(f"{where}: the masks of id {pair['id']!r} do not fit its responses ({error}); masks and pairs do not match") from None
    except (KeyError, TypeError, ValueError) as error:
        raise BadInputError(f"{where}: malformed masks for id {pair['id']!r} ({error!r})") from None
    ids, first, v_line, v_char = correct
    a_ids, _, a_line, a_char = incorrect
    if first >= max_length:
        return None
    return Sample(
        id=pair["id"],
        input_ids=ids[:max_length],
        first_label=first,
        v_line=v_line[:max_length],
        v_char=v_char[:max_length],
        incorrect_ids=a_ids[:max_length],
        incorrect_v_line=a_line[:max_length],
        incorrect_v_char=a_char[:max_length],
        shared=common_prefix(ids[:max_length], a_ids[:max_length]),
        truncated=len(ids) > max_length,
        incorrect_truncated=len(a_ids) > max_length,
    )


def load_dataset(tokenizer, pair_paths, mask_paths, prompt_format=None, max_length: int = 1024) -> Dataset:
    masks: dict[str, dict] = {}
    for record, where in (r for path in mask_paths for r in read_jsonl(path)):
        key = id_key(record["id"])
        if key in masks:
            raise BadInputError(f"{where}: duplicate masks for id {record['id']!r}")
        masks[key] = record
    dataset = Dataset(samples=[])
    seen: set[str] = set()
    for pair, where in (r for path in pair_paths for r in read_jsonl(path)):
        key = id_key(pair["id"])
        if key in seen:
            raise BadInputError(f"{where}: duplicate pair id {pair['id']!r}")
        seen.add(key)
        if key not in masks:
            raise BadInputError(f"{where}: no masks for pair id {pair['id']!r}; masks and pairs do not match")
        sample = build_sample(tokenizer, pair, masks[key], where, prompt_format, max_length)
        if sample is None:
            dataset.dropped.append(pair["id"])
            continue
        dataset.samples.append(sample)
        dataset.truncated += sample.truncated
        dataset.incorrect_truncated += sample.incorrect_truncated
    if not dataset.samples:
        files = ", ".join(map(str, pair_paths)) or "(no pairs files)"
        reason = f"; {len(dataset.dropped)} prompts fill max_length {max_length}" if dataset.dropped else ""
        raise BadInputError(f"the dataset is empty: no trainable pairs in {files}{reason}")
    return dataset


def epoch_order(num_samples: int, seed: int, epoch: int) -> list[int]:
    """The sample order of an epoch: depends only on (seed, epoch), so a resumed run sees the same."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(num_samples, generator=generator).tolist()


@dataclass
class Batch:
    input_ids: torch.Tensor  # [B, T] correct sequences, right-padded
    attention_mask: torch.Tensor
    labels: torch.Tensor  # -100 on the prompt and padding
    v_line: torch.Tensor
    v_char: torch.Tensor
    incorrect_ids: torch.Tensor  # [B, Ta]
    incorrect_mask: torch.Tensor
    incorrect_v_line: torch.Tensor
    incorrect_v_char: torch.Tensor
    shared: torch.Tensor  # [B]

    def to(self, device) -> "Batch":
        return Batch(**{name: value.to(device) for name, value in vars(self).items()})

    def v(self, granularity: str) -> torch.Tensor:
        """V^c of the granularity: line marks, char marks, or their sum (hybrid)."""
        return granularity_vector(self.v_line, self.v_char, granularity)

    def incorrect_v(self, granularity: str) -> torch.Tensor:
        return granularity_vector(self.incorrect_v_line, self.incorrect_v_char, granularity)

    @property
    def label_mask(self) -> torch.Tensor:
        """Labels that count in the loss: not ignored, and not the first token (nothing predicts it)."""
        mask = self.labels != IGNORE_INDEX
        mask[:, 0] = False
        return mask


def granularity_vector(v_line: torch.Tensor, v_char: torch.Tensor, granularity: str) -> torch.Tensor:
    if granularity == "line":
        return v_line
    if granularity == "token":
        return v_char
    return v_line + v_char


def pad(rows: list[list[int]], value: int) -> torch.Tensor:
    width = max(len(row) for row in rows)
    return torch.tensor([row + [value] * (width - len(row)) for row in rows], dtype=torch.long)


def collate(samples: list[Sample], pad_id: int) -> Batch:
    labels = [[IGNORE_INDEX] * s.first_label + s.input_ids[s.first_label :] for s in samples]
    return Batch(
        input_ids=pad([s.input_ids for s in samples], pad_id),
        attention_mask=pad([[1] * len(s.input_ids) for s in samples], 0),
        labels=pad(labels, IGNORE_INDEX),
        v_line=pad([s.v_line for s in samples], 0),
        v_char=pad([s.v_char for s in samples], 0),
        incorrect_ids=pad([s.incorrect_ids for s in samples], pad_id),
        incorrect_mask=pad([[1] * len(s.incorrect_ids) for s in samples], 0),
        incorrect_v_line=pad([s.incorrect_v_line for s in samples], 0),
        incorrect_v_char=pad([s.incorrect_v_char for s in samples], 0),
        shared=torch.tensor([s.shared for s in samples], dtype=torch.long),
    )
