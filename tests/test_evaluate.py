"""Scores on a hand-made case, checked by hand."""

from __future__ import annotations

import pytest

from ner.entity import Span
from ner.evaluate import format_table, seqeval_scores, span_scores


def test_span_scores_by_hand():
    gold = [("a", Span(0, 2, "METRIC")), ("a", Span(2, 5, "AMOUNT")), ("b", Span(0, 3, "ORG")), ("b", Span(4, 6, "ORG"))]
    pred = [
        ("a", Span(0, 2, "METRIC")),  # exact: tp
        ("a", Span(2, 4, "AMOUNT")),  # boundary off by one: fp and fn
        ("b", Span(0, 3, "ORG")),  # tp
        ("b", Span(4, 6, "PROJECT")),  # wrong label: fp PROJECT, fn ORG
    ]
    s = span_scores(gold, pred)
    assert s["METRIC"]["f1"] == 1.0
    assert s["AMOUNT"]["precision"] == 0.0 and s["AMOUNT"]["recall"] == 0.0
    assert s["ORG"]["precision"] == 1.0 and s["ORG"]["recall"] == 0.5
    assert s["ORG"]["f1"] == pytest.approx(2 / 3)
    assert s["PROJECT"]["predicted"] == 1 and s["PROJECT"]["support"] == 0
    assert s["overall"]["precision"] == 0.5 and s["overall"]["recall"] == 0.5 and s["overall"]["f1"] == 0.5


def test_same_span_in_two_documents_is_two_spans():
    gold = [("a", Span(0, 2, "ORG")), ("b", Span(0, 2, "ORG"))]
    assert span_scores(gold, gold[:1])["overall"]["recall"] == 0.5


def test_seqeval_strict_by_hand():
    y_true = [["B-ORG", "I-ORG", "O", "B-AMOUNT"]]
    y_pred = [["I-ORG", "I-ORG", "O", "B-AMOUNT"]]  # strict IOB2: an entity must start with B-
    s = seqeval_scores(y_true, y_pred)
    assert s["AMOUNT"]["f1"] == 1.0
    assert s["ORG"]["recall"] == 0.0
    assert s["overall"]["precision"] == 1.0 and s["overall"]["recall"] == 0.5


def test_table_is_readable():
    table = format_table(span_scores([("a", Span(0, 1, "ORG"))], [("a", Span(0, 1, "ORG"))]), "t")
    assert table.splitlines()[0] == "t" and "overall" in table and "1.000" in table
