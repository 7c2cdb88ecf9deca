"""Tokenize documents and turn them into model windows: the one place that knows the tokenizer."""

from __future__ import annotations

from dataclasses import dataclass
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


def encode_texts(tokenizer, texts: Sequence[str]) -> list[Encoded]:
    """Tokenize many texts in one call of the fast (Rust) tokenizer."""
    if not texts:
        return []
    enc = tokenizer(
        [normalize_text(t) for t in texts],
        add_special_tokens=False,
        return_offsets_mapping=True,
        return_attention_mask=False,
        return_token_type_ids=False,
        verbose=False,
    )
    return [
        Encoded(list(ids), [tuple(o) for o in offs])
        for ids, offs in zip(enc["input_ids"], enc["offset_mapping"])
    ]


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
