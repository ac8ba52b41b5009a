"""``python -m fait_trainer tokens``: the response tokens of each pair with their FAIT marks, as the
trainer will see them (prompting.encode and token_masks.response_vectors, the same functions).

With ``--json`` one line per record::

    {"id", "correct": {"tokens", "offsets", "vLine", "vChar", "vHybrid", "endTokens"}, "incorrect": {...}}

``tokens`` are the response tokens' texts (the characters each covers in the templated text, so a
SentencePiece ``▁def`` reads `` def``), ``offsets`` their spans as code-point offsets into that
side's response (as ``fait mask`` counts; they tile the response in order, byte-level pieces of one
character sharing its span), ``endTokens`` the number of end-of-turn / EOS tokens after them.
Without ``--json``, each response token by token, marked tokens coloured (or bracketed when not on
a terminal). Records go to stdout, errors to stderr; exit code 2 for bad input.
"""

from __future__ import annotations

import json
import sys
from typing import Iterator, TextIO

from .data import id_key, read_jsonl
from .errors import BadInputError
from .prompting import Encoded, encode
from .token_masks import MaskMismatchError, SideMask, response_vectors

SIDES = ("correct", "incorrect")


def side_view(tokenizer, instruction: str, response: str, mask: SideMask, prompt_format: str | None) -> dict:
    encoded = encode(tokenizer, instruction, response, prompt_format)
    v_line, v_char = response_vectors(encoded.spans, response, mask)
    return {
        "tokens": [token_text(tokenizer, encoded, i) for i in encoded.response_tokens],
        "offsets": [list(span) for span in encoded.spans],
        "vLine": v_line,
        "vChar": v_char,
        "vHybrid": [line + char for line, char in zip(v_line, v_char)],
        "endTokens": encoded.end_tokens,
        # For the text view only (not part of the JSON record): what the end tokens are.
        "_end": [token_text(tokenizer, encoded, i) for i in range(len(encoded.input_ids) - encoded.end_tokens, len(encoded.input_ids))],
    }


def token_text(tokenizer, encoded: Encoded, index: int) -> str:
    start, end = encoded.offsets[index]
    return encoded.text[start:end] if end > start else tokenizer.convert_ids_to_tokens(encoded.input_ids[index])


def records(tokenizer, pairs_path: str, masks_path: str, prompt_format: str | None = None, limit: int | None = None) -> Iterator[dict]:
    """One view per pair of ``pairs_path`` (``{"id", "instruction", "correct", "incorrect"}``; the
    trainer's ``response`` is read as ``correct``), joined by id with ``masks_path`` (``fait mask`` output)."""
    masks = {id_key(record["id"]): record for record, _ in read_jsonl(masks_path)}
    for number, (pair, where) in enumerate(read_jsonl(pairs_path)):
        if limit is not None and number >= limit:
            return
        pair = {**pair, "correct": pair.get("correct", pair.get("response"))}
        for key in ("instruction", *SIDES):
            if not isinstance(pair.get(key), str):
                raise BadInputError(f'{where}: field "{key}" must be a string')
        mask = masks.get(id_key(pair["id"]))
        if mask is None:
            raise BadInputError(f"{where}: no masks for pair id {pair['id']!r} in {masks_path}")
        record = {"id": pair["id"]}
        for side in SIDES:
            try:
                record[side] = side_view(tokenizer, pair["instruction"], pair[side], SideMask.from_json(mask[side]), prompt_format)
            except MaskMismatchError as error:
                raise BadInputError(f"{where}: the {side} masks of id {pair['id']!r} do not fit its response ({error})") from None
            except (KeyError, TypeError) as error:
                raise BadInputError(f"{where}: malformed masks for id {pair['id']!r} ({error!r})") from None
        yield record


def json_line(record: dict) -> str:
    return json.dumps({key: strip_private(value) for key, value in record.items()}, ensure_ascii=False)


def strip_private(value):
    return {k: v for k, v in value.items() if not k.startswith("_")} if isinstance(value, dict) else value


# ANSI: line-marked tokens on yellow, char-marked on red; unmarked tokens alternate plain / underlined
# so that token boundaries show. Plain text: {line-marked}, [char-marked], [{both}], "|" between tokens.
LINE, CHAR, UNDERLINE, RESET = "\x1b[30;43m", "\x1b[97;41m", "\x1b[4m", "\x1b[0m"
LEGEND_COLOR = f"legend: {LINE}line-marked{RESET} {CHAR}char-marked{RESET} tokens alternate plain/{UNDERLINE}underlined{RESET}, ↵ is a newline"
LEGEND_PLAIN = "legend: {line-marked} [char-marked] [{both}], | between tokens, ↵ is a newline"


def visible(text: str) -> str:
    return text.replace("\n", "↵\n")


def side_text(view: dict, color: bool) -> str:
    pieces = []
    for i, (token, line, char) in enumerate(zip(view["tokens"], view["vLine"], view["vChar"])):
        text = visible(token)
        if color:
            style = CHAR if char else LINE if line else UNDERLINE if i % 2 else ""
            pieces.append(f"{style}{text}{RESET}" if style else text)
        else:
            if line:
                text = "{" + text + "}"
            if char:
                text = "[" + text + "]"
            pieces.append(text)
    body = "".join(pieces) if color else "|".join(pieces)
    return f"{body}\n  end of turn: {json.dumps(view.get('_end', []), ensure_ascii=False)}"


def text_record(record: dict, color: bool) -> str:
    out = [f"── {record['id']} ──"]
    for side in SIDES:
        view = record[side]
        marked = sum(1 for h in view["vHybrid"] if h)
        out.append(
            f"{side}: {len(view['tokens'])} tokens, {sum(view['vLine'])} line-marked, {sum(view['vChar'])} char-marked"
            f" ({marked} with V > 0), then {view['endTokens']} end-of-turn"
        )
        out.append(side_text(view, color))
    return "\n".join(out) + "\n"


def run(model_dir: str, pairs: str, masks: str, prompt_format: str | None, limit: int | None, as_json: bool, color: bool, out: TextIO) -> int:
    from .model import load_tokenizer

    tokenizer = load_tokenizer(model_dir)
    count = 0
    if not as_json:
        out.write((LEGEND_COLOR if color else LEGEND_PLAIN) + "\n")
    for record in records(tokenizer, pairs, masks, prompt_format, limit):
        out.write(json_line(record) + "\n" if as_json else text_record(record, color))
        count += 1
    out.flush()
    if count == 0:
        raise BadInputError(f"{pairs}: no pairs")
    return 0


def main(args, out: TextIO = sys.stdout) -> int:
    color = {"always": True, "never": False}.get(args.color, out.isatty())
    try:
        return run(args.model, args.pairs, args.masks, args.prompt_format, args.limit, args.json, color, out)
    except BrokenPipeError:  # `fait tokens | head`: the reader has what it wanted
        return 0
    except BadInputError as error:
        sys.stderr.write(f"fait tokens: {error}\n")
        return 2
