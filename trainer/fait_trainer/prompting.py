"""Prompt + response text for a record, and its tokenization with character offsets.

Where the response lies in the templated text is found, not assumed. The conversation (user
instruction, assistant response) is rendered once with a sentinel as the assistant's content: the
text before the sentinel is the prompt (with whatever the template puts between its generation
prompt and the content, e.g. the space of Llama-2's ``[/INST] ``), the text after it is the end
of the turn (``\\n<|EOT|>\\n``, `` </s>``, ``<|eot_id|>``, ``<|im_end|>\\n``). Rendered with the real
response, the text must be prompt + response + end, except that the template may strip whitespace
from the response's two ends (Llama-2's ``.strip()``, Llama-3's ``| trim``); anything else it
changes is refused, naming the model directory and what changed.

Tokens are then assigned to the response by their character offsets (see ``encode``), and the end
of the turn is cut after its last special token (end-of-turn / EOS): the tokens that get loss are
the response's tokens and the end-of-turn tokens, nothing after them.
"""

from __future__ import annotations

from dataclasses import dataclass

# Formats for models trained without a chat template. "{instruction}" is replaced and the
# response follows the prompt directly; an EOS token ends it. Magicoder's (src/magicoder/
# prompt_template.py, MAGICODER_PROMPT) is also SemCoder's: Magicoder-S-DS/CL and SemCoder-S use it.
PROMPT_FORMATS = {
    "magicoder": (
        "You are an exceptionally intelligent coding assistant that consistently delivers accurate "
        "and reliable responses to user instructions.\n\n@@ Instruction\n{instruction}\n\n@@ Response\n"
    ),
}

# Stands in for the assistant's content to find where a template puts it: no whitespace at its
# ends (templates strip those), nothing a template would escape.
SENTINEL = "FAIT-RESPONSE-SENTINEL-5b0c9e"

Span = tuple[int, int]


class BadInputError(ValueError):
    """Input the trainer cannot use (reported as a ``bad_input`` error)."""


@dataclass(frozen=True)
class Rendered:
    """The templated text; the response's content occupies ``text[start:end]``.

    ``lead`` / ``trail``: whitespace characters the template stripped from the response's start /
    end, so ``text[start:end] == response[lead:len(response) - trail]``.
    """

    text: str
    start: int
    end: int
    lead: int = 0
    trail: int = 0


@dataclass(frozen=True)
class Encoded:
    """A tokenized prompt + response + end of turn.

    ``input_ids`` / ``offsets`` cover the whole sequence (offsets into ``text``; an EOS appended
    after the text has the empty offset at its end). ``response_tokens`` are the indices of the
    response's tokens, consecutive and in order, and ``spans`` their character spans in the
    *response* (code points, as the masks stage counts): they tile ``[0, len(response))`` in order,
    except that byte-level pieces of one character share its span. ``end_tokens`` tokens follow the
    response and end the turn; the sequence ends with them.
    """

    input_ids: list[int]
    offsets: list[Span]
    text: str
    response_start: int
    response_end: int
    response: str = ""
    response_tokens: tuple[int, ...] = ()
    spans: tuple[Span, ...] = ()
    end_tokens: int = 0

    @property
    def first_label(self) -> int:
        """The first token that gets loss: the response's first token, else the first end token."""
        return self.response_tokens[0] if self.response_tokens else len(self.input_ids) - self.end_tokens


def model_name(tokenizer) -> str:
    return getattr(tokenizer, "name_or_path", "") or "the model directory"


def render_conversation(tokenizer, instruction: str, response: str, prompt_format: str | None = None) -> Rendered:
    """The full text and where the response's content lies in it (see the module docstring)."""
    if prompt_format is not None:
        if prompt_format not in PROMPT_FORMATS:
            raise BadInputError(f"unknown prompt format {prompt_format!r}; expected one of {sorted(PROMPT_FORMATS)} or none for the chat template")
        prompt = PROMPT_FORMATS[prompt_format].replace("{instruction}", instruction)
        return Rendered(prompt + response, len(prompt), len(prompt) + len(response))
    model = model_name(tokenizer)
    if not getattr(tokenizer, "chat_template", None):
        raise BadInputError(f"the tokenizer of {model} has no chat template; set a prompt format (e.g. magicoder)")
    user = {"role": "user", "content": instruction}

    def conversation(content: str) -> str:
        return tokenizer.apply_chat_template([user, {"role": "assistant", "content": content}], tokenize=False)

    probe = conversation(SENTINEL)
    if probe.count(SENTINEL) != 1:
        raise BadInputError(f"the chat template of {model} renders the assistant's content {probe.count(SENTINEL)} times instead of once")
    prefix, suffix = probe.split(SENTINEL)
    full = conversation(response)
    if not (full.startswith(prefix) and full.endswith(suffix) and len(full) >= len(prefix) + len(suffix)):
        raise BadInputError(
            f"the chat template of {model} renders the text around the assistant's content differently for this response "
            f"(expected it to start with {prefix[-40:]!r} and end with {suffix[:40]!r})"
        )
    content = full[len(prefix) : len(full) - len(suffix)]
    lead = stripped_lead(response, content)
    if lead is None:
        raise BadInputError(f"the chat template of {model} changes the response beyond whitespace at its two ends: {describe_change(response, content)}")
    return Rendered(full, len(prefix), len(prefix) + len(content), lead, len(response) - lead - len(content))


def stripped_lead(response: str, content: str) -> int | None:
    """How many leading characters were stripped if ``content`` is ``response`` less whitespace at its ends."""
    leading = len(response) - len(response.lstrip())
    for lead in range(leading + 1):
        end = lead + len(content)
        if response[lead:end] == content and not response[end:].strip():
            return lead
    return None


def describe_change(response: str, content: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(response, content)) if a != b), min(len(response), len(content)))
    return (
        f"the response ({len(response)} characters) is rendered as {len(content)} characters that first differ at character {at}: "
        f"{response[max(0, at - 20) : at + 20]!r} became {content[max(0, at - 20) : at + 20]!r}"
    )


def render(tokenizer, instruction: str, response: str, prompt_format: str | None = None) -> tuple[str, int]:
    """The full text and the index at which the response's content starts in it."""
    rendered = render_conversation(tokenizer, instruction, response, prompt_format)
    return rendered.text, rendered.start


def special_ids(tokenizer) -> set[int]:
    ids = set(getattr(tokenizer, "all_special_ids", []) or [])
    for token_id, token in (getattr(tokenizer, "added_tokens_decoder", {}) or {}).items():
        if getattr(token, "special", False):
            ids.add(token_id)
    return ids


def response_token_range(offsets: list[Span], start: int, end: int) -> list[int]:
    """The tokens of the response ``text[start:end]``: those holding any of its characters.

    A token may also hold characters before it: the separator space of Llama-2's ``[/INST] ``,
    which a SentencePiece ``▁def`` or a byte-level ``Ġdef`` carries, or (rarely, with a tokenizer
    that merges across a newline) the prompt's last characters. It is the response's all the same,
    so that no response character, and no mark, is lost; its span starts at the response's start.
    """
    return [i for i, (s, e) in enumerate(offsets) if max(s, start) < min(e, end)]


def response_spans(offsets: list[Span], tokens: list[int], rendered: Rendered, length: int) -> list[Span]:
    """Each response token's span in response coordinates, tiling ``[0, length)``.

    Offsets are shifted by the stripped lead and clamped to the response; characters that no token
    holds (whitespace the template stripped at the two ends, characters a tokenizer's offsets skip)
    go to the next token, or the last one at the end, so that no marked character is lost.
    """
    spans: list[Span] = []
    shift = rendered.lead - rendered.start
    for i in tokens:
        s, e = offsets[i]
        s = max(s, rendered.start) + shift
        e = min(e, rendered.end) + shift
        if spans and s > spans[-1][1]:
            s = spans[-1][1]
        spans.append((s, e))
    if spans:
        spans[0] = (0, spans[0][1])
        spans[-1] = (spans[-1][0], length)
    return spans


def encode(tokenizer, instruction: str, response: str, prompt_format: str | None = None) -> Encoded:
    """Tokenizes prompt + response + end of turn with offsets (a fast tokenizer is required for offsets)."""
    if not getattr(tokenizer, "is_fast", False):
        raise BadInputError(f"{type(tokenizer).__name__} is not a fast tokenizer: FAIT masks need return_offsets_mapping")
    rendered = render_conversation(tokenizer, instruction, response, prompt_format)
    text = rendered.text
    # A chat template writes its own BOS; a plain prompt format gets the tokenizer's.
    encoded = tokenizer(text, return_offsets_mapping=True, add_special_tokens=prompt_format is not None)
    ids = list(encoded["input_ids"])
    offsets = [tuple(o) for o in encoded["offset_mapping"]]
    tokens = response_token_range(offsets, rendered.start, rendered.end)
    if tokens and tokens != list(range(tokens[0], tokens[-1] + 1)):
        raise BadInputError(f"the tokens of the response are not consecutive in the tokenization by {model_name(tokenizer)}")
    # The end of the turn starts after the response's last token (an empty response: at its place).
    after = tokens[-1] + 1 if tokens else next((i for i, (s, e) in enumerate(offsets) if s >= rendered.start and e > s), len(ids))
    if prompt_format is not None:
        # Without a chat template nothing marks the end of the answer: EOS does, as Magicoder trains.
        eos = tokenizer.eos_token_id
        if eos is None:
            raise BadInputError(f"the tokenizer of {model_name(tokenizer)} has no EOS token, which ends the response in the {prompt_format} format")
        ids, offsets = ids[:after], offsets[:after]
        ids.append(eos)
        offsets.append((len(text), len(text)))
        end = len(ids)
    else:
        special = special_ids(tokenizer)
        ends = [i for i in range(after, len(ids)) if ids[i] in special]
        if not ends:
            raise BadInputError(
                f"the chat template of {model_name(tokenizer)} puts no end-of-turn or EOS token after the assistant's response "
                f"(it ends the turn with {text[rendered.end:]!r}), so the model would never learn to stop"
            )
        end = ends[-1] + 1
    return Encoded(
        input_ids=ids[:end],
        offsets=offsets[:end],
        text=text,
        response_start=rendered.start,
        response_end=rendered.end,
        response=response,
        response_tokens=tuple(tokens),
        spans=tuple(response_spans(offsets, tokens, rendered, len(response))),
        end_tokens=end - after,
    )
