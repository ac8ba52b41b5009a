"""Cross-language golden vectors: the masks fixture shared with the TypeScript tests.

test/fixtures/masks-golden.jsonl holds, per pair, the masks the TypeScript stage must produce
("expected") and the hybrid token vectors of both responses ("tokens") for the tokenizer that
``golden_tokenizer`` trains here. The Python mapper is checked on the fixture's masks, and on the
masks that the real TypeScript CLI (`fait mask`) computes for the same pairs.
FAIT_RECORD_GOLDEN=1 rewrites the "tokens" field (review the diff before committing it).
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path

from fait_trainer.prompting import encode
from fait_trainer.token_masks import SideMask, response_token_indices, token_vector
from tiny import train_tokenizer

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "test" / "fixtures" / "masks-golden.jsonl"
INSTRUCTION = "Write the function described in the tests."


def load_fixture() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


@lru_cache(maxsize=1)
def golden_tokenizer():
    corpus = [text for pair in load_fixture() for text in (pair["correct"], pair["incorrect"])]
    return train_tokenizer(corpus, vocab_size=600)


def response_vector(response: str, side: dict) -> list[int]:
    encoded = encode(golden_tokenizer(), INSTRUCTION, response)
    vector = token_vector(encoded.offsets, response, encoded.response_start, SideMask.from_json(side))
    return [vector[i] for i in response_token_indices(encoded.offsets, encoded.response_start, encoded.response_end)]


def vectors(pair: dict, masks: dict) -> dict:
    return {
        "correct": response_vector(pair["correct"], masks["correct"]),
        "incorrect": response_vector(pair["incorrect"], masks["incorrect"]),
    }


def test_the_tokenizer_trained_here_is_deterministic():
    corpus = [p["correct"] for p in load_fixture()]
    a, b = train_tokenizer(corpus, 300), train_tokenizer(corpus, 300)
    assert a.get_vocab() == b.get_vocab()


def test_fixture_masks_map_to_the_fixture_token_vectors():
    pairs = load_fixture()
    if os.environ.get("FAIT_RECORD_GOLDEN") == "1":
        lines = [json.dumps({**p, "tokens": vectors(p, p["expected"])}, ensure_ascii=False) for p in pairs]
        FIXTURE.write_text("\n".join(lines) + "\n", encoding="utf-8")
        pairs = load_fixture()
    assert len(pairs) >= 200
    assert any(any(ord(ch) > 0xFFFF for ch in p["correct"] + p["incorrect"]) for p in pairs), "astral characters covered"
    for pair in pairs:
        assert vectors(pair, pair["expected"]) == pair["tokens"], pair["id"]


def test_fixture_vectors_obey_the_hybrid_rules():
    for pair in load_fixture():
        for side in ("correct", "incorrect"):
            vector = pair["tokens"][side]
            assert set(vector) <= {0, 1, 2}
            if not pair["expected"][side]["charSpans"] and not any(pair["expected"][side]["lineMask"]):
                assert not any(vector), pair["id"]
            if pair["correct"] == pair["incorrect"]:
                assert not any(vector), pair["id"]


def test_typescript_masks_through_the_python_mapper_match_the_fixture(tmp_path):
    pairs = load_fixture()
    source = tmp_path / "pairs.jsonl"
    source.write_text(
        "".join(json.dumps({k: p[k] for k in ("id", "correct", "incorrect", "segments")}, ensure_ascii=False) + "\n" for p in pairs),
        encoding="utf-8",
    )
    out = tmp_path / "masks.jsonl"
    subprocess.run(["node", str(ROOT / "bin" / "fait"), "mask", "--pairs", str(source), "--out", str(out)], check=True, capture_output=True)
    computed = {m["id"]: m for m in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert len(computed) == len(pairs)
    for pair in pairs:
        assert vectors(pair, computed[pair["id"]]) == pair["tokens"], pair["id"]
