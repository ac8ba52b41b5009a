"""Tiny models: a byte-level BPE tokenizer trained on a corpus and a randomly initialised Llama.

The tests use them (nothing is ever downloaded), and ``python -m fait_trainer tiny-model`` makes one
for the quick start, so the whole pipeline, training included, runs on any machine.
"""

from __future__ import annotations

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}"
    "{% if m['role'] == 'user' %}### Instruction\n{{ m['content'] }}\n### Response\n"
    "{% else %}{{ m['content'] }}{{ eos_token }}{% endif %}"
    "{% endfor %}"
)


def train_tokenizer(corpus: list[str], vocab_size: int = 400) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer (the kind code LLMs use), deterministic for a given corpus."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<s>", "</s>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    fast.chat_template = CHAT_TEMPLATE
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


def make_tiny_model(corpus_file: str, out: str) -> str:
    """A tiny model directory whose tokenizer was trained on the JSONL corpus's texts."""
    import json
    from pathlib import Path

    texts = []
    for line in Path(corpus_file).read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            texts.extend(str(record[key]) for key in ("instruction", "response", "output") if key in record)
    target = Path(out)
    tokenizer = train_tokenizer(texts, vocab_size=800)
    path = tiny_llama(tokenizer, target.parent, hidden_size=64, layers=2, name=target.name)
    return str(path)
