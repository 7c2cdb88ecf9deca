"""Word edges from jieba: hand-checked segmentations, and the gold spans' edges they rest on."""

from __future__ import annotations

from collections import Counter

from ner.word_edges import inside_word, word_starts


def test_word_starts_on_hand_checked_text():
    assert sorted(word_starts("安徽高等研究院")) == [0, 2, 4, 7]  # 安徽 | 高等 | 研究院
    assert sorted(word_starts("")) == [0]
    # traditional text is segmented as its simplified form, with the same offsets
    assert word_starts("省政府辦公廳") == word_starts("省政府办公厅")


def test_inside_word_per_token_offsets():
    text = "省政府。"
    assert inside_word(text, [(0, 1), (1, 2), (2, 3), (3, 4)]).tolist() == [False, True, True, False]
    assert inside_word(text, []).tolist() == []


def test_nearly_every_gold_edge_is_a_word_edge(gold_docs):
    """The premise of viterbi-words: on the annotated reports, gold span edges sit on word edges.

    `python -m pytest tests/test_word_edges.py -s` prints the counts quoted in docs/experiments.md.
    """
    inside = Counter()  # (label, "start" | "end") → edges inside a word
    edges = 0
    for doc in gold_docs:
        starts = word_starts(doc.text)
        for span in doc.spans:
            edges += 2
            inside[span.label, "start"] += span.start not in starts
            inside[span.label, "end"] += span.end not in starts
    off = sum(inside.values())
    print(f"{off} of {edges} gold edges inside a word:", {f"{label} {side}": n for (label, side), n in inside.items() if n})
    assert edges > 4000 and off / edges < 0.01, (off, edges)
