"""Tiny models: a byte-level BPE tokenizer trained on a corpus and a randomly initialised Llama.

The tests use them (nothing is ever downloaded), and ``python -m fait_trainer tiny-model`` makes one
for the quick start, so the whole pipeline, training included, runs on any machine.
"""

from __future__ import annotations

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}"
    "{% if m['role'] == 'user' %}### Instruction\n{{ m['content'] }}\n### Response\n"
    "{% else %}{{ m['content'] }}{{ eos_token }}{% endif %}"
    "{% endfor %}"
)


FAMILIES = ("byte-level", "metaspace")


def train_tokenizer(corpus: list[str], vocab_size: int = 400) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer (the kind code LLMs use), deterministic for a given corpus."""
    return tiny_tokenizer(corpus, vocab_size, {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "chat_template": CHAT_TEMPLATE})


def tiny_tokenizer(corpus: list[str], vocab_size: int, config: dict, family: str = "byte-level", add_bos: bool = False) -> PreTrainedTokenizerFast:
    """A tokenizer trained on ``corpus`` with the special tokens and chat template of ``config``
    (the keys of a tokenizer_config.json: ``bos_token``, ``eos_token``, ``pad_token``, ``unk_token``,
    ``additional_special_tokens``, ``chat_template``), deterministic for a given corpus.

    ``family``: ``byte-level`` BPE (DeepSeek-Coder, Qwen, Llama-3: a token's offsets start at its
    own characters, a leading space is ``Ġ``) or ``metaspace``, SentencePiece-style BPE (Llama-2,
    CodeLlama: spaces become ``▁`` and start the next piece, so a piece's offsets include the space
    before it; a newline is a piece of its own; characters never seen in training are ``<unk>``). ``add_bos``: the tokenizer puts BOS
    before a text it encodes with special tokens, as the Llama and DeepSeek tokenizers do.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown tokenizer family {family!r}; expected one of {FAMILIES}")
    names = ("bos_token", "eos_token", "pad_token", "unk_token")
    specials = {key: config[key] for key in names if config.get(key)}
    if family == "metaspace":
        specials.setdefault("unk_token", "<unk>")
    ordered = list(dict.fromkeys([*specials.values(), *config.get("additional_special_tokens", [])]))
    if family == "byte-level":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        alphabet = pre_tokenizers.ByteLevel.alphabet()
    else:
        tok = Tokenizer(models.BPE(unk_token=specials["unk_token"]))
        # Llama's SentencePiece model writes a newline as the byte piece <0x0A>, never merged with
        # other characters: isolated here likewise.
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Split("\n", behavior="isolated"), pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=True)]
        )
        tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="first", split=True)
        alphabet = []
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=ordered, initial_alphabet=alphabet, show_progress=False)
    tok.train_from_iterator(corpus, trainer=trainer)
    if add_bos and specials.get("bos_token"):
        bos = specials["bos_token"]
        tok.post_processor = processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, tok.token_to_id(bos))])
    extra = [t for t in config.get("additional_special_tokens", []) if t not in specials.values()]
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, **specials, **({"additional_special_tokens": extra} if extra else {}))
    if config.get("chat_template"):
        fast.chat_template = config["chat_template"]
    return fast


def tiny_llama(tokenizer, tmp_path, *, hidden_size: int = 32, layers: int = 2, seed: int = 0, name: str = "tiny-llama", dtype=None):
    """A randomly initialised Llama saved with ``tokenizer`` as a Hugging Face model directory.

    ``dtype=torch.float64`` stores it in float64, which the trainer then keeps (tests that compare
    runs exactly use it)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    if dtype is not None:
        model = model.to(dtype)
    path = tmp_path / name
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def make_tiny_model(corpus_file: str, out: str, family: str = "byte-level", tokenizer_config: str | None = None) -> str:
    """A tiny model directory whose tokenizer was trained on the JSONL corpus's texts.

    ``tokenizer_config``: a JSON file with a tokenizer_config.json's special tokens and chat
    template (the test fixtures hold those of the FAIT paper's models); the template's own text
    joins the corpus so that a SentencePiece-style tokenizer knows its characters.
    """
    import json
    from pathlib import Path

    texts = []
    for line in Path(corpus_file).read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            texts.extend(str(record[key]) for key in ("instruction", "response", "output", "correct", "incorrect") if key in record)
    target = Path(out)
    if tokenizer_config is None:
        tokenizer = train_tokenizer(texts, vocab_size=800) if family == "byte-level" else tiny_tokenizer(texts, 800, {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "chat_template": CHAT_TEMPLATE}, family)
    else:
        config = json.loads(Path(tokenizer_config).read_text(encoding="utf-8"))
        tokenizer = tiny_tokenizer(texts + [config.get("chat_template") or ""], 800, config, family, add_bos=True)
    path = tiny_llama(tokenizer, target.parent, hidden_size=64, layers=2, name=target.name)
    return str(path)
