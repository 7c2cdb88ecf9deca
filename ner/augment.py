"""Entity substitution: training documents with names swapped for other names of the same label.

A held-out report names organisations and projects that no training report names (the henan
fold misses six company names of one list), so a model that remembers names fails on them.
Swapping names, with some probability and afresh every epoch, for others of the same label
from the training data makes the model read the context (…等企业, 建设…项目) and the shape of
a name instead.

Swapping draws only names the training data has. Composing (`compose_probability`) makes names
it lacks: the proper part of one name before the type word of another of its label (健仕 | 科技 and
夏宝 | 电器 give 健仕电器), split at the last word of jieba's dictionary, so the model sees more names
than a dozen reports hold.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import Sequence

from .entity import Document, Span
from .textnorm import normalize_text
from .word_edges import segmenter

SUBSTITUTED = ("PROJECT", "ORG")  # the labels whose names vary most between reports
_NOT_SPLIT = re.compile(r"[()“”‘’《》「」『』【】\[\]、,]")  # of the folded text (full-width forms are ASCII)


def name_pool(docs: Sequence[Document], labels: Sequence[str] = SUBSTITUTED) -> dict[str, list[str]]:
    """The distinct names of each label in `docs`, sorted (so draws depend on the seed alone)."""
    pool: dict[str, set[str]] = {label: set() for label in labels}
    for doc in docs:
        for s in doc.spans:
            if s.label in pool:
                pool[s.label].add(doc.text[s.start : s.end])
    return {label: sorted(names) for label, names in pool.items()}


def name_parts(pool: dict[str, list[str]]) -> dict[str, tuple[list[str], list[str]]]:
    """Per label, the proper parts and the type words of its names, split before their last word.

    A type word must end at least two names of the label and be two characters or more (公司,
    中心, 工程, 项目), so brand endings (胖东 | 来) are not taken for one. Names with brackets,
    quotes or list marks (杭州湾引水工程（观海卫段）) are left out.
    """
    parts = {}
    for label, names in pool.items():
        splits = []
        for name in names:
            folded = normalize_text(name)  # length-preserving: its offsets are the name's
            if not _NOT_SPLIT.search(folded):
                *_, last = segmenter().cut(folded, HMM=False)
                if 2 <= len(last) < len(name):
                    splits.append((name[: -len(last)], name[-len(last) :]))
        endings = Counter(normalize_text(kind) for _, kind in splits)
        kept = [(proper, kind) for proper, kind in splits if endings[normalize_text(kind)] >= 2]
        parts[label] = (sorted({p for p, _ in kept}), sorted({k for _, k in kept}))
    return parts


def substitute(
    doc: Document,
    pool: dict[str, list[str]],
    rng: random.Random,
    probability: float,
    parts: dict[str, tuple[list[str], list[str]]] | None = None,
    compose_probability: float = 0.0,
) -> Document:
    """A copy of `doc` in which each span of a pooled label is, with `probability`, another name.

    A swapped name is, with `compose_probability`, composed from `parts` (see `name_parts`)
    rather than drawn whole. Spans keep their labels and are re-anchored in the new text; the
    rest of the text is unchanged.
    """
    pieces: list[str] = []
    spans: list[Span] = []
    at = length = 0
    for s in doc.spans:
        name = doc.text[s.start : s.end]
        names = pool.get(s.label, ())
        if len(names) > 1 and rng.random() < probability:
            proper, kind = (parts or {}).get(s.label, ((), ()))
            if compose_probability and proper and kind and rng.random() < compose_probability:
                name = rng.choice(proper) + rng.choice(kind)
            else:
                name = rng.choice(names)
        before = doc.text[at : s.start]
        pieces += [before, name]
        start = length + len(before)
        spans.append(Span(start, start + len(name), s.label))
        length = start + len(name)
        at = s.end
    pieces.append(doc.text[at:])
    return Document(doc.id, "".join(pieces), spans)
