"""Character spans ⇄ token tags (IOB2), through the fast tokenizer's offset mapping."""

from __future__ import annotations

import bisect
from typing import Sequence

from .entity import Span


def spans_to_tags(offsets: Sequence[tuple[int, int]], spans: Sequence[Span]) -> list[str]:
    """Tag each token B-/I-<label> when it starts inside a span, else O."""
    tags = ["O"] * len(offsets)
    starts = [s for s, _ in offsets]
    for span in spans:
        first = bisect.bisect_left(starts, span.start)
        last = bisect.bisect_left(starts, span.end)
        for i in range(first, last):
            tags[i] = ("B-" if i == first else "I-") + span.label
    return tags


def tags_to_spans(
    offsets: Sequence[tuple[int, int]], tags: Sequence[str], scores: Sequence[float] | None = None
) -> list[tuple[Span, float]]:
    """Decode IOB2 tags leniently (an I- that cannot continue starts a new entity).

    The score of an entity is the mean of its tokens' scores.
    """
    out: list[tuple[Span, float]] = []
    label, first, acc = None, 0, []
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, tag_label = tag.partition("-")
        continues = prefix == "I" and tag_label == label
        if label is not None and not continues:
            out.append((Span(offsets[first][0], offsets[i - 1][1], label), sum(acc) / len(acc)))
            label = None
        if prefix in ("B", "I") and not continues:
            label, first, acc = tag_label, i, []
        if label is not None:
            acc.append(scores[i] if scores is not None else 1.0)
    return out
