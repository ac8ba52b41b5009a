"""The chat templates of the FAIT paper's models, with both tokenizer families.

test/fixtures/chat-templates/*.json hold each model family's chat template and special tokens as
its tokenizer_config.json has them (the file names its source). A tokenizer is trained here for
each template and each family: byte-level BPE (DeepSeek-Coder, Qwen, Llama-3) and SentencePiece-
style Metaspace (CodeLlama), whose pieces' offsets include the space before them. On every pair
of the golden masks fixture, the response tokens must tile the response in order, hold exactly
the response's characters (plus whitespace the template stripped at its ends, kept by the
boundary tokens), carry exactly the marks of the characters they hold, and be followed by exactly
the template's end-of-turn tokens, after which the sequence ends.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from fait_trainer.data import load_dataset
from fait_trainer.errors import BadInputError
from fait_trainer.model import load_tokenizer
from fait_trainer.prompting import encode, render_conversation
from fait_trainer.tiny import tiny_tokenizer
from fait_trainer.token_masks import SideMask, line_ranges, response_vectors
from fait_trainer.token_view import json_line, records, text_record
from tiny import tiny_llama

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "test" / "fixtures" / "chat-templates"
GOLDEN = ROOT / "test" / "fixtures" / "masks-golden.jsonl"
INSTRUCTION = "Fix the function below.\n  Keep its name. "

STYLES = {
    # fixture: (prompt format, the text the template puts after the content, the end-of-turn token)
    "deepseek-coder-instruct": (None, "\n<|EOT|>\n", "<|EOT|>"),
    "codellama-instruct": (None, " </s>", "</s>"),
    "llama-3-instruct": (None, "<|eot_id|>", "<|eot_id|>"),
    "qwen2.5-coder-instruct": (None, "<|im_end|>\n", "<|im_end|>"),
    "magicoder-s-ds": ("magicoder", "", "<\uff5cend\u2581of\u2581sentence\uff5c>"),
}
FAMILIES = ("byte-level", "metaspace")
CASES = [(style, family) for style in STYLES for family in FAMILIES]
STRIPPING = {"codellama-instruct", "llama-3-instruct"}  # `| trim` of the content


def golden() -> list[dict]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


def config(style: str) -> dict:
    return json.loads((TEMPLATES / f"{style}.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def tokenizer_for(style: str, family: str):
    texts = [text for p in golden() for text in (p["correct"], p["incorrect"])]
    cfg = config(style)
    return tiny_tokenizer(texts + [INSTRUCTION, cfg.get("chat_template") or ""], 500, cfg, family, add_bos=True)


def usable(pair: dict, side: str, style: str) -> bool:
    """A template that trims the content leaves nothing of an all-whitespace response: tested apart."""
    return style not in STRIPPING or bool(pair[side].strip()) or not (any(pair["expected"][side]["lineMask"]) or pair["expected"][side]["charSpans"])


def check_side(tokenizer, style: str, response: str, masks: dict, view: dict) -> None:
    prompt_format, suffix, eot = STYLES[style]
    encoded = encode(tokenizer, INSTRUCTION, response, prompt_format)
    rendered = render_conversation(tokenizer, INSTRUCTION, response, prompt_format)
    text, start, end = rendered.text, rendered.start, rendered.end
    # The template changed the response only by stripping whitespace at its two ends.
    assert text[start:end] == response[rendered.lead : len(response) - rendered.trail]
    assert not response[: rendered.lead].strip() and not response[len(response) - rendered.trail :].strip()
    assert (rendered.lead, rendered.trail) == ((0, 0) if style not in STRIPPING else (len(response) - len(response.lstrip()), len(response) - len(response.rstrip())) if response.strip() else (0, len(response)))

    offsets, tokens = view["offsets"], view["tokens"]
    assert len(tokens) == len(offsets) == len(view["vLine"]) == len(view["vChar"]) == len(view["vHybrid"]) == len(encoded.response_tokens)
    # The offsets cover the response once, in order: each token starts where the previous ended,
    # except byte-level pieces of one character, which share its one-character span.
    if response:
        assert offsets and offsets[0][0] == 0 and offsets[-1][1] == len(response)
    # except that a byte-level token ending inside a character's UTF-8 bytes shares that character
    # with the next token.
    for (a, b), (c, d) in zip(offsets, offsets[1:]):
        assert a < b and c < d and (c == b or (c == b - 1 and len(response[c].encode()) > 1)), (offsets, response)
    # Each token holds, in the templated text, exactly the response characters of its span, less
    # what the template stripped at the ends (and the first one the separator before them).
    held = []
    for n, ((s, e), (a, b), token) in enumerate(zip((encoded.offsets[i] for i in encoded.response_tokens), offsets, tokens)):
        assert token == text[s:e]
        inside = range(max(s, start) - start + rendered.lead, min(e, end) - start + rendered.lead)
        assert inside and a <= inside.start and inside.stop <= b
        assert s >= start or (n == 0 and not text[s:start].strip())
        held.append(inside)
    covered = sorted({c for r in held for c in r})
    assert covered == list(range(rendered.lead, len(response) - rendered.trail))
    # vChar: exactly the tokens overlapping a marked character; vLine: a marked line; V_hybrid the sum.
    marked = {c for s, e in masks["charSpans"] for c in range(s, e)}
    lines = {c for (s, e), m in zip(line_ranges(response), masks["lineMask"]) if m for c in range(s, e)}
    assert view["vChar"] == [int(any(a <= c < b for c in marked)) for a, b in offsets]
    assert view["vLine"] == [int(any(a <= c < b for c in lines)) for a, b in offsets]
    assert view["vHybrid"] == [x + y for x, y in zip(view["vLine"], view["vChar"])]
    assert all(any(a <= c < b for a, b in offsets) for c in marked | lines), "no marked character is lost"
    # The end of the turn: what the template writes after the content up to its end-of-turn token
    # (less what a merge joined to the response's last token), then the sequence ends.
    ends = encoded.input_ids[len(encoded.input_ids) - encoded.end_tokens :]
    assert view["endTokens"] == encoded.end_tokens >= 1
    assert tokenizer.convert_ids_to_tokens(ends[-1]) == eot
    if prompt_format is None:
        last = encoded.offsets[len(encoded.input_ids) - encoded.end_tokens - 1][1]  # a merge may carry on past the content
        end_text = "".join(text[s:e] for s, e in encoded.offsets[len(encoded.input_ids) - encoded.end_tokens :])
        assert text[end:].startswith(suffix) and text[max(last, end) : end + suffix.index(eot) + len(eot)] == end_text
        assert text[end + suffix.index(eot) + len(eot) :] == suffix[suffix.index(eot) + len(eot) :]  # cut: no loss
    else:
        assert encoded.end_tokens == 1 and encoded.offsets[-1] == (len(text), len(text))


@pytest.mark.parametrize("style,family", CASES)
def test_fait_tokens_json_of_every_golden_pair(style, family, tmp_path):
    tokenizer = tokenizer_for(style, family)
    prompt_format = STYLES[style][0]
    pairs = [p for p in golden() if usable(p, "correct", style) and usable(p, "incorrect", style)]
    pairs_file, masks_file = tmp_path / "pairs.jsonl", tmp_path / "masks.jsonl"
    pairs_file.write_text("".join(json.dumps({"id": p["id"], "instruction": INSTRUCTION, "correct": p["correct"], "incorrect": p["incorrect"]}) + "\n" for p in pairs), encoding="utf-8")
    masks_file.write_text("".join(json.dumps({"id": p["id"], **p["expected"]}) + "\n" for p in pairs), encoding="utf-8")
    views = [json.loads(json_line(r)) for r in records(tokenizer, str(pairs_file), str(masks_file), prompt_format)]
    assert len(views) == len(pairs) > 200
    for pair, view in zip(pairs, views):
        assert set(view) == {"id", "correct", "incorrect"} and set(view["correct"]) == {"tokens", "offsets", "vLine", "vChar", "vHybrid", "endTokens"}
        for side in ("correct", "incorrect"):
            check_side(tokenizer, style, pair[side], pair["expected"][side], view[side])


@pytest.mark.parametrize("style,family", CASES)
def test_loss_covers_exactly_the_content_and_the_end_of_turn(style, family, tmp_path):
    tokenizer = tokenizer_for(style, family)
    prompt_format, suffix, eot = STYLES[style]
    pairs = [p for p in golden()[:12] if p["correct"].strip() and p["incorrect"].strip()]
    pairs_file, masks_file = tmp_path / "pairs.jsonl", tmp_path / "masks.jsonl"
    pairs_file.write_text("".join(json.dumps({"id": p["id"], "instruction": INSTRUCTION, "response": p["correct"], "incorrect": p["incorrect"]}) + "\n" for p in pairs), encoding="utf-8")
    masks_file.write_text("".join(json.dumps({"id": p["id"], **p["expected"]}) + "\n" for p in pairs), encoding="utf-8")
    dataset = load_dataset(tokenizer, [pairs_file], [masks_file], prompt_format, max_length=4096)
    for sample, pair in zip(dataset.samples, pairs):
        encoded = encode(tokenizer, INSTRUCTION, pair["correct"], prompt_format)
        assert sample.input_ids == encoded.input_ids and sample.first_label == encoded.response_tokens[0]
        assert sample.num_labels == len(encoded.response_tokens) + encoded.end_tokens
        labelled = tokenizer.decode(sample.input_ids[sample.first_label : len(sample.input_ids) - encoded.end_tokens])
        assert labelled.strip() == pair["correct"].strip()  # the content (a piece may carry the separator space)
        assert tokenizer.convert_ids_to_tokens(sample.input_ids[-1]) == eot
        # Marks only on response tokens; none on the prompt or the end of the turn.
        marked = [i for i, (line, char) in enumerate(zip(sample.v_line, sample.v_char)) if line or char]
        assert all(i in encoded.response_tokens for i in marked)


def test_the_exact_end_tokens_of_each_template():
    response = "def f(x):\n    return x + 1"  # no trailing newline: nothing merges into the end of the turn
    expected = {
        "deepseek-coder-instruct": ["\n", "<|EOT|>"],
        "codellama-instruct": [" ", "</s>"],
        "llama-3-instruct": ["<|eot_id|>"],
        "qwen2.5-coder-instruct": ["<|im_end|>"],
        "magicoder-s-ds": ["<\uff5cend\u2581of\u2581sentence\uff5c>"],
    }
    for style, family in CASES:
        tokenizer = tokenizer_for(style, family)
        encoded = encode(tokenizer, INSTRUCTION, response, STYLES[style][0])
        ends = range(len(encoded.input_ids) - encoded.end_tokens, len(encoded.input_ids))
        texts = [encoded.text[slice(*encoded.offsets[i])] or tokenizer.convert_ids_to_tokens(encoded.input_ids[i]) for i in ends]
        # A SentencePiece piece may carry "\n" before <|EOT|> with the response's last characters.
        assert texts == expected[style] or (family == "metaspace" and style.startswith("deepseek") and texts == ["<|EOT|>"]), (style, family, texts)


def test_sentencepiece_pieces_take_the_separator_space_of_llama_2():
    tokenizer = tokenizer_for("codellama-instruct", "metaspace")
    response = "def f(x):\n    return x + 1\n"
    encoded = encode(tokenizer, INSTRUCTION, response)
    first = encoded.offsets[encoded.response_tokens[0]]
    assert encoded.text[encoded.response_start - 1] == " " and first[0] == encoded.response_start - 1  # "▁def" holds " def"
    assert encoded.spans[0] == (0, first[1] - encoded.response_start) and encoded.spans[-1][1] == len(response)
    # The inference prompt is the training prompt less the separator: the model writes "▁def" itself.
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": INSTRUCTION}], tokenize=False, add_generation_prompt=True)
    assert encoded.text[: encoded.response_start] == prompt + " "


@pytest.mark.parametrize("style", [s for s in STYLES if STYLES[s][0] is None])
def test_the_generation_prompt_is_the_training_prompt_up_to_whitespace(style):
    tokenizer = tokenizer_for(style, "byte-level")
    rendered = render_conversation(tokenizer, INSTRUCTION, "x = 1\n")
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": INSTRUCTION}], tokenize=False, add_generation_prompt=True)
    assert rendered.text.startswith(prompt) and not rendered.text[len(prompt) : rendered.start].strip()


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A model directory, so that the tokenizer knows its path for messages."""

    def save(template: str):
        cfg = {**config("deepseek-coder-instruct"), "chat_template": template}
        tokenizer = tiny_tokenizer([p["correct"] for p in golden()], 300, cfg)
        return load_tokenizer(str(tiny_llama(tokenizer, tmp_path_factory.mktemp("m"), hidden_size=16, layers=1)))

    return save


def test_a_template_that_changes_the_response_is_refused_naming_the_model_and_the_change(saved_model):
    template = config("deepseek-coder-instruct")["chat_template"].replace("message['content'] + '\\n<|EOT|>", "message['content'] | replace('\\t', '    ') + '\\n<|EOT|>")
    tokenizer = saved_model(template)
    assert encode(tokenizer, INSTRUCTION, "x = 1\n").end_tokens == 2  # unchanged where there is no tab
    with pytest.raises(BadInputError, match=r"chat template of /.*/tiny-llama changes the response beyond whitespace at its two ends: .*differ at character 6: 'if x:\\n\\treturn 1\\n' became 'if x:\\n    return 1\\n'"):
        encode(tokenizer, INSTRUCTION, "if x:\n\treturn 1\n")


def test_a_template_without_an_end_of_turn_token_is_refused(saved_model):
    tokenizer = saved_model("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}")
    with pytest.raises(BadInputError, match=r"puts no end-of-turn or EOS token after the assistant's response \(it ends the turn with '\\n'\)"):
        encode(tokenizer, INSTRUCTION, "x = 1")


def test_marks_on_a_response_the_template_strips_to_nothing_are_bad_input(tmp_path):
    tokenizer = tokenizer_for("llama-3-instruct", "byte-level")
    pair = next(p for p in golden() if p["id"] == "hand-whitespace-only")
    (tmp_path / "p.jsonl").write_text(json.dumps({"id": pair["id"], "instruction": "x", "response": pair["correct"], "incorrect": pair["incorrect"]}) + "\n")
    (tmp_path / "m.jsonl").write_text(json.dumps({"id": pair["id"], **pair["expected"]}) + "\n")
    with pytest.raises(BadInputError, match=r"p.jsonl:1: the masks of id 'hand-whitespace-only' do not fit .*strips it, all whitespace, to nothing"):
        load_dataset(tokenizer, [tmp_path / "p.jsonl"], [tmp_path / "m.jsonl"])


def test_the_text_view_marks_tokens_in_colour_or_with_brackets(tmp_path):
    tokenizer = tokenizer_for("codellama-instruct", "metaspace")
    pair = next(p for p in golden() if p["id"] == "hand-figure2")
    (tmp_path / "p.jsonl").write_text(json.dumps({"id": pair["id"], "instruction": INSTRUCTION, "correct": pair["correct"], "incorrect": pair["incorrect"]}) + "\n")
    (tmp_path / "m.jsonl").write_text(json.dumps({"id": pair["id"], **pair["expected"]}) + "\n")
    record = next(records(tokenizer, str(tmp_path / "p.jsonl"), str(tmp_path / "m.jsonl")))
    plain, colour = text_record(record, color=False), text_record(record, color=True)
    assert "\x1b[" not in plain and "[{ 1}]" in plain and "[{ 2}]" in plain and '["  ", "</s>"]' not in plain
    assert "{ return}" in plain and 'end of turn: [" ", "</s>"]' in plain
    assert "\x1b[97;41m 1\x1b[0m" in colour and "\x1b[30;43m return\x1b[0m" in colour


def test_a_token_merged_across_the_prompt_boundary_is_the_response_s_first_token():
    # A prompt ending in "=>" right before the content; the tokenizer has learnt the piece "=>def".
    cfg = {"bos_token": "<s>", "eos_token": "</s>", "chat_template": "{% for m in messages %}{% if m['role'] == 'user' %}{{ m['content'] }}=>{% else %}{{ m['content'] }}{{ eos_token }}{% endif %}{% endfor %}"}
    tokenizer = tiny_tokenizer(["do task=>def f(): pass"] * 50, 120, cfg, "metaspace")
    encoded = encode(tokenizer, "do task", "def f(): pass")
    first = encoded.response_tokens[0]
    assert encoded.text[slice(*encoded.offsets[first])] == " task=>def" and encoded.offsets[first][0] == encoded.response_start - 7
    assert encoded.first_label == first and encoded.spans[0] == (0, 3)
    vectors = response_vectors(encoded.spans, "def f(): pass", SideMask(line_mask=[1], char_spans=[(0, 1)]))
    assert vectors[1][0] == 1  # the mark on "d" is kept
