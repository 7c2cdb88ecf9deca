"""Cut a tokenized document into model-sized windows.

Windows end at sentence ends (。；！？ and newlines) where possible and overlap their neighbour,
and a cut never falls inside a gold entity, so no training window sees half an entity.
The same planner serves inference (with no entities).
"""

from __future__ import annotations

import bisect
from typing import Sequence

from .entity import Span

SENTENCE_ENDS = frozenset("。；！？;!?\n")


def plan_windows(
    text: str,
    offsets: Sequence[tuple[int, int]],
    max_tokens: int,
    overlap: int,
    spans: Sequence[Span] = (),
) -> list[tuple[int, int]]:
    """Return token ranges [a, b) covering all tokens, each at most `max_tokens` long."""
    n = len(offsets)
    if n == 0:
        return []
    if max_tokens < 2:
        raise ValueError("max_tokens must be at least 2")
    overlap = max(0, min(overlap, max_tokens // 2))
    allowed = _allowed_cuts(offsets, spans)
    preferred = [
        allowed[i] and i > 0 and _ends_sentence(text, offsets[i - 1][1], offsets[i][0] if i < n else len(text))
        for i in range(n + 1)
    ]
    windows: list[tuple[int, int]] = []
    start = 0
    while True:
        limit = start + max_tokens
        if limit >= n:
            windows.append((start, n))
            return windows
        # a sentence end in the back half of the window, else any cut outside an entity
        end = _last(preferred, start + max_tokens // 2, limit) or _last(allowed, start + 1, limit) or limit
        windows.append((start, end))
        nxt = _first(preferred, max(start + 1, end - overlap), end) or _first(
            allowed, max(start + 1, end - overlap), end
        ) or end
        start = nxt


def _allowed_cuts(offsets: Sequence[tuple[int, int]], spans: Sequence[Span]) -> list[bool]:
    """allowed[i]: a window may start or end before token i without splitting an entity."""
    allowed = [True] * (len(offsets) + 1)
    if not spans:
        return allowed
    starts = [s for s, _ in offsets]
    for span in spans:
        first = bisect.bisect_left(starts, span.start)
        last = bisect.bisect_left(starts, span.end)
        for i in range(first + 1, last):
            allowed[i] = False
    return allowed


def _ends_sentence(text: str, prev_end: int, next_start: int) -> bool:
    return bool(prev_end) and (text[prev_end - 1] in SENTENCE_ENDS or "\n" in text[prev_end:next_start])


def _last(flags: list[bool], lo: int, hi: int) -> int | None:
    for i in range(hi, max(lo, 1) - 1, -1):
        if flags[i]:
            return i
    return None


def _first(flags: list[bool], lo: int, hi: int) -> int | None:
    for i in range(lo, hi + 1):
        if flags[i]:
            return i
    return None
