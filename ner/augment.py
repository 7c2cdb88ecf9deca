"""Entity substitution: training documents with names swapped for other names of the same label.

A held-out report names organisations and projects that no training report names (the henan
fold misses six company names of one list), so a model that remembers names fails on them.
Swapping names, with some probability and afresh every epoch, for others of the same label
from the training data makes the model read the context (…等企业, 建设…项目) and the shape of
a name instead.
"""

from __future__ import annotations

import random
from typing import Sequence

from .entity import Document, Span

SUBSTITUTED = ("PROJECT", "ORG")  # the labels whose names vary most between reports


def name_pool(docs: Sequence[Document], labels: Sequence[str] = SUBSTITUTED) -> dict[str, list[str]]:
    """The distinct names of each label in `docs`, sorted (so draws depend on the seed alone)."""
    pool: dict[str, set[str]] = {label: set() for label in labels}
    for doc in docs:
        for s in doc.spans:
            if s.label in pool:
                pool[s.label].add(doc.text[s.start : s.end])
    return {label: sorted(names) for label, names in pool.items()}


def substitute(doc: Document, pool: dict[str, list[str]], rng: random.Random, probability: float) -> Document:
    """A copy of `doc` in which each span of a pooled label is, with `probability`, another name.

    Spans keep their labels and are re-anchored in the new text; the rest of the text is unchanged.
    """
    pieces: list[str] = []
    spans: list[Span] = []
    at = length = 0
    for s in doc.spans:
        name = doc.text[s.start : s.end]
        names = pool.get(s.label, ())
        if len(names) > 1 and rng.random() < probability:
            name = rng.choice(names)
        before = doc.text[at : s.start]
        pieces += [before, name]
        start = length + len(before)
        spans.append(Span(start, start + len(name), s.label))
        length = start + len(name)
        at = s.end
    pieces.append(doc.text[at:])
    return Document(doc.id, "".join(pieces), spans)
