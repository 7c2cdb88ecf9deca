"""Tokenize documents and turn them into model windows: the one place that knows the tokenizer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .align import spans_to_tags
from .entity import Document
from .textnorm import normalize_text
from .windows import plan_windows


@dataclass
class Encoded:
    """A tokenized text: ids and character offsets, without special tokens."""

    ids: list[int]
    offsets: list[tuple[int, int]]


class FastTokenizer:
    """A bundle's tokenizer.json through `tokenizers` alone.

    Inference needs ids, offsets and three special ids; loading it this way skips importing
    `transformers` and torch, which made every CLI call and batch worker start seconds later.
    """

    def __init__(self, directory: str | Path):
        from tokenizers import Tokenizer

        directory = Path(directory)
        self.backend_tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.backend_tokenizer.no_truncation()
        self.backend_tokenizer.no_padding()
        config_file = directory / "tokenizer_config.json"
        config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.exists() else {}
        self.cls_token_id = self._id(config.get("cls_token", "[CLS]"))
        self.sep_token_id = self._id(config.get("sep_token", "[SEP]"))
        self.pad_token_id = self._id(config.get("pad_token", "[PAD]"))

    def _id(self, token) -> int:
        token = token["content"] if isinstance(token, dict) else token
        token_id = self.backend_tokenizer.token_to_id(token)
        if token_id is None:
            raise ValueError(f"special token {token!r} is not in the vocabulary")
        return token_id


def encode_texts(tokenizer, texts: Sequence[str]) -> list[Encoded]:
    """Tokenize many texts in one call of the Rust tokenizer (a FastTokenizer or any HF fast tokenizer)."""
    if not texts:
        return []
    encodings = tokenizer.backend_tokenizer.encode_batch([normalize_text(t) for t in texts], add_special_tokens=False)
    return [Encoded(list(e.ids), [tuple(o) for o in e.offsets]) for e in encodings]


@dataclass
class TrainingWindow:
    """One training example: [CLS] tokens [SEP] with label ids (-100 on special tokens)."""

    doc_id: str
    input_ids: list[int]
    labels: list[int]


def training_windows(
    tokenizer, docs: Sequence[Document], tag_ids: dict[str, int], max_length: int, overlap: int
) -> list[TrainingWindow]:
    """Cut gold documents into entity-safe windows of at most `max_length` tokens (specials included)."""
    out = []
    for doc, enc in zip(docs, encode_texts(tokenizer, [d.text for d in docs])):
        tags = [tag_ids[t] for t in spans_to_tags(enc.offsets, doc.spans)]
        for a, b in plan_windows(doc.text, enc.offsets, max_length - 2, overlap, doc.spans):
            out.append(
                TrainingWindow(
                    doc.id,
                    [tokenizer.cls_token_id, *enc.ids[a:b], tokenizer.sep_token_id],
                    [-100, *tags[a:b], -100],
                )
            )
    return out
