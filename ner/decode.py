"""Per-token label probabilities → one tag per token.

`argmax` takes each token's most probable tag and leaves broken sequences (an I- after O) to the
lenient span decoder. `viterbi` finds the most probable tag sequence that is valid IOB2 (I-X only
after B-X or I-X), so an entity's boundaries are decided jointly rather than token by token.
`viterbi-words` also keeps entity edges out of the inside of words (`ner/word_edges.py`): no
entity begins at a token that starts inside a word, and no name (PROJECT, ORG) ends before one.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

DECODINGS = ("argmax", "viterbi", "viterbi-words")
# Entities begin on word edges, and names end on them too. Other entities may end inside a word:
# jieba's dictionary glues the particles after them into words (占 | 比达, 15 | 亿左右, 9 | 家村).
WHOLE_WORD_LABELS = ("PROJECT", "ORG")


def check_decoding(method: str) -> str:
    """`method` if it names a decoding, else a ValueError listing them."""
    if method not in DECODINGS:
        raise ValueError(f"decoding must be one of {', '.join(DECODINGS)}, not {method!r}")
    return method


def allowed_transitions(tags: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(start[j], move[i, j]): whether a sequence may start with tag j, and tag i may precede tag j."""
    n = len(tags)
    start = np.array([not t.startswith("I-") for t in tags])
    move = np.ones((n, n), dtype=bool)
    for j, tag in enumerate(tags):
        if tag.startswith("I-"):
            label = tag[2:]
            move[:, j] = [prev in (f"B-{label}", f"I-{label}") for prev in tags]
    return start, move


def inside_word_moves(tags: Sequence[str], whole: Sequence[str] = WHOLE_WORD_LABELS) -> np.ndarray:
    """[i, j]: whether tag j may follow tag i inside a word: no entity begins there, none of `whole` ends."""

    def may_follow(a: str, b: str) -> bool:
        ends_whole = a[2:] in whole and b != f"I-{a[2:]}"
        return not (ends_whole or b.startswith("B-"))

    return np.array([[may_follow(a, b) for b in tags] for a in tags])


def decode(
    probs: np.ndarray, tags: Sequence[str], method: str = "viterbi", inside: np.ndarray | None = None
) -> np.ndarray:
    """Tag indices for a (tokens × tags) probability matrix.

    `inside[t]` (needed by `viterbi-words` only) says whether token t starts inside a word.
    """
    check_decoding(method)
    best = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=np.int64)
    if method == "argmax" or len(probs) == 0:
        return best
    start, move = allowed_transitions(tags)
    if method == "viterbi-words":
        if inside is None or len(inside) != len(probs):
            raise ValueError("viterbi-words decoding needs one inside-a-word flag per token")
        within = move & inside_word_moves(tags)
    else:
        inside = np.zeros(len(probs), dtype=bool)
        within = move
    valid = np.where(inside[1:], within[best[:-1], best[1:]], move[best[:-1], best[1:]])
    if start[best[0]] and valid.all():
        return best  # the unconstrained best path is valid, hence also the best valid path
    logp = np.log(np.clip(probs, 1e-12, 1.0))
    forbid = np.where(move, 0.0, -np.inf)
    forbid_within = np.where(within, 0.0, -np.inf)
    score = np.where(start, logp[0], -np.inf)
    back = np.zeros(probs.shape, dtype=np.int64)
    for t in range(1, len(probs)):
        cand = score[:, None] + (forbid_within if inside[t] else forbid)  # previous tag × next tag
        back[t] = cand.argmax(axis=0)
        score = cand.max(axis=0) + logp[t]
    path = np.zeros(len(probs), dtype=np.int64)
    path[-1] = score.argmax()
    for t in range(len(probs) - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path
