"""Tiny models for tests (they live in the package, which the quick start uses too)."""

from fait_trainer.tiny import CHAT_TEMPLATE, tiny_llama, train_tokenizer  # noqa: F401
