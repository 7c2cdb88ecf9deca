"""Run a token-classification model over texts of any length and decode entities.

The model is only a function from padded id batches to logits, so the same path serves the
PyTorch model during evaluation and the ONNX Runtime session in production. Texts are cut into
overlapping windows, batched text by text: int8 models quantize activations with one scale per
batch, so windows of other texts in a batch would move a text's scores and sometimes its entities
(scripts/bench_batching.py). Each token takes its prediction from the window in which it sits
farthest from an edge, so an entity that crosses a window boundary comes out once and whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from .align import tags_to_spans
from .decode import check_decoding, decode
from .encoding import Encoded, encode_texts
from .entity import Entity
from .known_names import KnownNames, is_known
from .span_rules import apply_span_rules, before_their_values
from .windows import plan_windows
from .word_edges import inside_word

LogitsFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class TaggedText:
    """Per-token predictions for one text, before and after decoding."""

    offsets: list[tuple[int, int]]
    tags: list[str]
    entities: list[Entity]


class WindowedTagger:
    def __init__(
        self,
        tokenizer,
        tags: Sequence[str],
        logits_fn: LogitsFn,
        max_length: int = 256,
        overlap: int = 64,
        batch_size: int = 16,
        decoding: str = "argmax",
        min_entity_chars: int = 1,
        span_rules: bool = False,
        min_entity_score: Mapping[str, float] | None = None,
        known_names: KnownNames | None = None,
        valued_metric_score: float = 1.0,
    ):
        if max_length < 8:
            raise ValueError("max_length must be at least 8 tokens")
        self.tokenizer = tokenizer
        self.tags = list(tags)
        self.logits_fn = logits_fn
        self.max_length = max_length
        self.overlap = overlap
        self.batch_size = max(1, int(batch_size))
        self.decoding = check_decoding(decoding)
        self.min_entity_chars = min_entity_chars
        self.span_rules = span_rules
        self.min_entity_score = dict(min_entity_score or {})
        self.known_names = known_names or {}  # kept below their floor
        self.valued_metric_score = valued_metric_score  # the floor of a METRIC right before its value

    def probabilities(self, texts: Sequence[str], batch_size: int | None = None) -> list[tuple[Encoded, np.ndarray]]:
        """Each text's tokens and their (tokens × tags) probabilities, merged over windows."""
        batch_size = max(1, int(batch_size or self.batch_size))
        encs = encode_texts(self.tokenizer, texts)
        batches = []  # of (text index, a, b), one text each: a text's entities never depend on its neighbours
        for t, (text, enc) in enumerate(zip(texts, encs)):
            windows = plan_windows(text, enc.offsets, self.max_length - 2, self.overlap)
            batches += [[(t, a, b) for a, b in windows[k : k + batch_size]] for k in range(0, len(windows), batch_size)]
        probs = [np.zeros((len(e.ids), len(self.tags)), dtype=np.float32) for e in encs]
        best = [np.full(len(e.ids), -1, dtype=np.int64) for e in encs]
        for batch in batches:
            ids, mask = self.padded([encs[t].ids[a:b] for t, a, b in batch])
            logits = np.asarray(self.logits_fn(ids, mask), dtype=np.float32)
            p = _softmax(logits)
            for r, (t, a, b) in enumerate(batch):
                n = len(encs[t].ids)
                pos = np.arange(a, b)
                left = pos - a if a > 0 else np.full(b - a, n)
                right = b - 1 - pos if b < n else np.full(b - a, n)
                centrality = np.minimum(left, right)
                take = centrality > best[t][a:b]
                best[t][a:b][take] = centrality[take]
                probs[t][a:b][take] = p[r, 1 : b - a + 1][take]
        return list(zip(encs, probs))

    def padded(self, windows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids of windows as model input: [CLS] window [SEP], padded to the longest, and the mask."""
        tok = self.tokenizer
        width = max(map(len, windows)) + 2
        ids = np.full((len(windows), width), tok.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(windows), width), dtype=np.int64)
        for r, w in enumerate(windows):
            ids[r, : len(w) + 2] = [tok.cls_token_id, *w, tok.sep_token_id]
            mask[r, : len(w) + 2] = 1
        return ids, mask

    def tag(self, texts: Sequence[str], batch_size: int | None = None) -> list[TaggedText]:
        return [self.decode(text, enc, pr) for text, (enc, pr) in zip(texts, self.probabilities(texts, batch_size))]

    def decode(
        self,
        text: str,
        enc: Encoded,
        probs: np.ndarray,
        decoding: str | None = None,
        min_entity_chars: int | None = None,
        span_rules: bool | None = None,
        min_entity_score: Mapping[str, float] | None = None,
    ) -> TaggedText:
        """Tags and entities of one text from its token probabilities (settings default to the tagger's)."""
        method = decoding or self.decoding
        inside = inside_word(text, enc.offsets) if method == "viterbi-words" else None
        idx = decode(probs, self.tags, method, inside)
        tags = [self.tags[i] for i in idx]
        scores = probs[np.arange(len(idx)), idx].tolist()
        shortest = self.min_entity_chars if min_entity_chars is None else min_entity_chars
        entities = [
            Entity(s.start, s.end, s.label, text[s.start : s.end], round(score, 4))
            for s, score in tags_to_spans(enc.offsets, tags, scores)
            if s.end - s.start >= shortest
        ]
        if self.span_rules if span_rules is None else span_rules:  # rules may trim an entity: filter again
            entities = [e for e in apply_span_rules(text, entities) if e.end - e.start >= shortest]
        floors = self.min_entity_score if min_entity_score is None else min_entity_score
        return TaggedText(enc.offsets, tags, above_floors(entities, floors, self.known_names, text, self.valued_metric_score))

    def extract_batch(self, texts: Sequence[str], batch_size: int | None = None) -> list[list[Entity]]:
        return [t.entities for t in self.tag(texts, batch_size)]


def above_floors(
    entities: Sequence[Entity],
    floors: Mapping[str, float],
    known: KnownNames | None = None,
    text: str = "",
    valued_metric_score: float = 1.0,
) -> list[Entity]:
    """The entities at least as sure as their label's score floor (a label without one keeps all),
    those whose text is one of the `known` names of their label (ner/known_names.py), and the
    METRICs of `text` at least `valued_metric_score` sure that stand right before their value
    (span_rules.before_their_values): an indicator with its value beside it is less often wrong."""
    valued = before_their_values(text, entities) if valued_metric_score < 1.0 else [False] * len(entities)
    return [
        e for e, before_value in zip(entities, valued)
        if passes_floor(e.label, e.score, floors, bool(known) and is_known(e, known), before_value, valued_metric_score)
    ]


def passes_floor(
    label: str, score: float, floors: Mapping[str, float], known: bool, before_value: bool, valued_metric_score: float
) -> bool:
    """The keep-or-drop test of `above_floors` for one entity whose flags are already known, so that
    scripts/tune_score_floors.py can sweep floors over precomputed flags with the same test."""
    return score >= floors.get(label, 0.0) or known or before_value and score >= valued_metric_score


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)
