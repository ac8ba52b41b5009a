"""Pairs joined with masks, labels, truncation, and the bad inputs the data can hold."""

from __future__ import annotations

import json

import pytest

from fait_trainer.data import collate, epoch_order, load_dataset
from fait_trainer.prompting import BadInputError
from trainer_fixtures import golden_pairs, tokenizer_for_golden, write_dataset


@pytest.fixture(scope="module")
def tokenizer():
    return tokenizer_for_golden()


def rewrite(path, edit):
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    records = edit(records)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_labels_cover_the_response_and_the_end_of_turn(tokenizer, tmp_path):
    pairs, masks = write_dataset(tmp_path, 4)
    dataset = load_dataset(tokenizer, [pairs], [masks])
    assert len(dataset.samples) == 4 and dataset.truncated == 0
    for sample, pair in zip(dataset.samples, golden_pairs(4)):
        completion = tokenizer.decode(sample.input_ids[sample.first_label :])
        assert completion == pair["correct"] + tokenizer.eos_token
        prompt = tokenizer.decode(sample.input_ids[: sample.first_label])
        assert prompt.endswith("### Response\n") and "Task" in prompt
        assert not any(sample.v_line[: sample.first_label]) and not any(sample.v_char[: sample.first_label])
        assert sample.input_ids[: sample.shared] == sample.incorrect_ids[: sample.shared]
        assert sample.shared >= sample.first_label
    batch = collate(dataset.samples, tokenizer.pad_token_id)
    assert batch.label_mask.sum().item() == sum(s.num_labels for s in dataset.samples)


def test_magicoder_format_appends_eos(tokenizer, tmp_path):
    pairs, masks = write_dataset(tmp_path, 2)
    sample = load_dataset(tokenizer, [pairs], [masks], prompt_format="magicoder").samples[0]
    assert sample.input_ids[-1] == tokenizer.eos_token_id and sample.incorrect_ids[-1] == tokenizer.eos_token_id
    assert tokenizer.decode(sample.input_ids[: sample.first_label]).endswith("@@ Response\n")


def test_truncation_is_counted_and_prompts_that_fill_max_length_are_dropped(tokenizer, tmp_path):
    pairs, masks = write_dataset(tmp_path, 6)
    dataset = load_dataset(tokenizer, [pairs], [masks], max_length=50)
    assert dataset.truncated == 6 and all(len(s.input_ids) == 50 for s in dataset.samples)
    rewrite(pairs, lambda rs: [{**r, "instruction": r["instruction"] * 20} if i == 0 else r for i, r in enumerate(rs)])
    dataset = load_dataset(tokenizer, [pairs], [masks], max_length=50)
    assert dataset.dropped == [golden_pairs(1)[0]["id"]] and len(dataset.samples) == 5


def test_a_pair_without_masks_is_bad_input(tokenizer, tmp_path):
    pairs, masks = write_dataset(tmp_path, 3)
    rewrite(masks, lambda rs: rs[:2])
    with pytest.raises(BadInputError, match=r"pairs.jsonl:3: no masks for pair id .*masks and pairs do not match"):
        load_dataset(tokenizer, [pairs], [masks])


def test_masks_of_another_response_are_bad_input(tokenizer, tmp_path):
    pairs, masks = write_dataset(tmp_path, 3)
    rewrite(masks, lambda rs: [{**r, "correct": {**r["correct"], "lineMask": r["correct"]["lineMask"] + [1]}} for r in rs])
    with pytest.raises(BadInputError, match=r"do not fit its responses \(line mask has \d+ entries but the response has \d+ lines\)"):
        load_dataset(tokenizer, [pairs], [masks])


def test_an_empty_dataset_is_bad_input(tokenizer, tmp_path):
    (tmp_path / "pairs.jsonl").write_text("\n", encoding="utf-8")
    (tmp_path / "masks.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(BadInputError, match="the dataset is empty"):
        load_dataset(tokenizer, [tmp_path / "pairs.jsonl"], [tmp_path / "masks.jsonl"])


def test_malformed_files_are_bad_input(tokenizer, tmp_path):
    pairs, masks = write_dataset(tmp_path, 2)
    with pytest.raises(BadInputError, match="file not found"):
        load_dataset(tokenizer, [tmp_path / "nope.jsonl"], [masks])
    rewrite(pairs, lambda rs: [rs[0], rs[0]])
    with pytest.raises(BadInputError, match="duplicate pair id"):
        load_dataset(tokenizer, [pairs], [masks])
    pairs.write_text('{"id": 1, "instruction": "x"\n', encoding="utf-8")
    with pytest.raises(BadInputError, match="pairs.jsonl:1: not valid JSON"):
        load_dataset(tokenizer, [pairs], [masks])
    pairs.write_text('{"id": 1, "instruction": "x", "response": "y\\n"}\n', encoding="utf-8")
    masks.write_text('{"id": 1, "correct": {"lineMask": [1], "charSpans": []}, "incorrect": {"lineMask": [], "charSpans": []}}\n', encoding="utf-8")
    with pytest.raises(BadInputError, match='field "incorrect" must be a string'):
        load_dataset(tokenizer, [pairs], [masks])


def test_ids_join_by_json_value(tokenizer, tmp_path):
    pair = {"instruction": "x", "response": "y\n", "incorrect": "z\n"}
    mask = {"correct": {"lineMask": [1], "charSpans": [[0, 1]]}, "incorrect": {"lineMask": [1], "charSpans": [[0, 1]]}}
    (tmp_path / "p.jsonl").write_text(json.dumps({"id": 7, **pair}) + "\n", encoding="utf-8")
    (tmp_path / "m.jsonl").write_text(json.dumps({"id": "7", **mask}) + "\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="no masks for pair id 7"):
        load_dataset(tokenizer, [tmp_path / "p.jsonl"], [tmp_path / "m.jsonl"])


def test_epoch_order_depends_only_on_seed_and_epoch():
    assert epoch_order(50, 42, 0) == epoch_order(50, 42, 0)
    assert epoch_order(50, 42, 0) != epoch_order(50, 42, 1)
    assert sorted(epoch_order(50, 42, 3)) == list(range(50))
