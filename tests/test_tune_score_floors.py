"""scripts/tune_score_floors.py: the floor picked per label, and the nested (fair) scoring."""

from __future__ import annotations

import json

import pytest

from ner.entity import Document, Span
from ner.labels import LABELS


def test_the_lowest_floor_that_drops_the_unsure_mistakes_is_picked(load_script):
    tune = load_script("tune_score_floors")
    # in every document: a right ORG at 0.95, a wrong ORG at 0.60, a right METRIC at 0.55
    held_out = {
        doc: (
            [Span(0, 4, "ORG"), Span(10, 14, "METRIC")],
            [(Span(0, 4, "ORG"), 0.95, False, False), (Span(5, 8, "ORG"), 0.60, False, False),
             (Span(10, 14, "METRIC"), 0.55, False, True)],  # (span, score, known name?, METRIC before its value?)
        )
        for doc in ("a", "b", "c")
    }
    docs = sorted(held_out)
    by_floor = {t: {d: tune._score(held_out, d, dict.fromkeys(LABELS, t)) for d in docs} for t in tune.GRID}
    assert by_floor[0.0]["a"]["ORG"]["f1"] == 2 / 3 and by_floor[0.65]["a"]["ORG"]["f1"] == 1.0
    assert tune._pick(by_floor, "ORG", docs) == 0.65  # 0.65 … 0.95 all drop the mistake: the lowest wins
    assert tune._pick(by_floor, "METRIC", docs) == 0.0  # a floor above 0.55 would lose a right METRIC
    assert tune._pick(by_floor, "PROJECT", docs) == 0.0  # absent everywhere: no floor
    kept = tune._score(held_out, "a", {"ORG": 0.65})
    assert kept["overall"]["f1"] == 1.0 and kept["METRIC"]["f1"] == 1.0
    # a known name passes any floor: the METRIC at 0.55 then survives one of 0.99
    gold, predicted = held_out["a"]
    known = {"a": (gold, [(span, score, span.label == "METRIC", valued) for span, score, _, valued in predicted])}
    assert tune._score(known, "a", {"METRIC": 0.99})["METRIC"]["f1"] == 1.0
    assert tune._score(held_out, "a", {"METRIC": 0.99})["METRIC"]["f1"] == 0.0
    # so does a METRIC right before its value, from the valued-METRIC floor on
    assert tune._score(held_out, "a", {"METRIC": 0.99}, 0.55)["METRIC"]["f1"] == 1.0
    assert tune._score(held_out, "a", {"METRIC": 0.99}, 0.6)["METRIC"]["f1"] == 0.0
    by_pair = tune._by_pair(held_out, docs)
    assert tune._pick_metric(by_pair, docs) == (0.0, 1.0)  # nothing to drop: no floor, no exception


def test_the_metric_floor_and_the_valued_metric_floor_are_picked_together(load_script):
    tune = load_script("tune_score_floors")
    # a right METRIC before its value at 0.60, a wrong bare one at 0.90, a right bare one at 0.97:
    # alone, the best METRIC floor is none (F1 0.8); only a floor of 0.95 with an exception from 0.60 gets all right
    held_out = {
        doc: (
            [Span(0, 2, "METRIC"), Span(10, 12, "METRIC")],
            [(Span(0, 2, "METRIC"), 0.60, False, True), (Span(5, 7, "METRIC"), 0.90, False, False),
             (Span(10, 12, "METRIC"), 0.97, False, False)],
        )
        for doc in ("a", "b")
    }
    docs = sorted(held_out)
    by_floor = {t: {d: tune._score(held_out, d, dict.fromkeys(LABELS, t)) for d in docs} for t in tune.GRID}
    assert tune._pick(by_floor, "METRIC", docs) == 0.0 and by_floor[0.0]["a"]["METRIC"]["f1"] == 0.8
    by_pair = tune._by_pair(held_out, docs)
    assert tune._pick_metric(by_pair, docs) == (0.95, 0.6)  # ties: the lowest floor, the highest exception
    assert by_pair[0.95, 0.6]["a"]["METRIC"]["f1"] == 1.0


def test_floors_are_picked_from_a_journal_without_the_fold_models(load_script, tmp_path):
    tune = load_script("tune_score_floors")
    docs = [Document("a", "x" * 20, [Span(0, 4, "ORG")]), Document("b", "y" * 20, [Span(2, 6, "ORG")])]
    journal = tmp_path / "cv.partial.jsonl"
    journal.write_text(
        json.dumps({"a": {"candidates": [[0, 4, "ORG", 0.9], [5, 8, "ORG", 0.6]]}}) + "\n"
        + json.dumps({"b": {"candidates": [[2, 6, "ORG", 0.97]]}}) + "\n"
    )
    held_out = tune.journal_candidates(journal, docs)
    assert held_out["a"] == ([Span(0, 4, "ORG")], [(Span(0, 4, "ORG"), 0.9, False, False), (Span(5, 8, "ORG"), 0.6, False, False)])
    by_floor = {t: {d: tune._score(held_out, d, dict.fromkeys(LABELS, t)) for d in held_out} for t in tune.GRID}
    assert tune._pick(by_floor, "ORG", ["a", "b"]) == 0.65

    # a run that kept known names: fold a knows the names of document b, not its own
    docs = [Document("a", "省委部署，市委落实", [Span(0, 2, "ORG")]), Document("b", "市委召开会议", [Span(0, 2, "ORG")])]
    keeps = {"keep_known_names": True}
    journal.write_text(json.dumps({"a": {"candidates": [[0, 2, "ORG", 0.6], [5, 7, "ORG", 0.6]], "config": keeps}}) + "\n")
    assert tune.journal_candidates(journal, docs)["a"][1] == [(Span(0, 2, "ORG"), 0.6, False, False), (Span(5, 7, "ORG"), 0.6, True, False)]

    # a METRIC right before a value (or a linking verb, then the value) is flagged
    docs = [Document("a", "产值达5亿元，税收稳定，利润3亿元", [Span(0, 2, "METRIC")])]
    journal.write_text(json.dumps({"a": {"candidates": [
        [0, 2, "METRIC", 0.8], [3, 6, "AMOUNT", 0.9], [7, 9, "METRIC", 0.8], [12, 14, "METRIC", 0.8], [14, 17, "AMOUNT", 0.6],
    ]}}) + "\n")
    assert [valued for *_, valued in tune.journal_candidates(journal, docs)["a"][1]] == [True, False, False, True, False]

    journal.write_text(json.dumps({"a": {"predictions": [[0, 4, "ORG"]]}}) + "\n")
    with pytest.raises(ValueError, match="1 of 1 folds have no candidates .*: a;"):
        tune.journal_candidates(journal, docs)
    journal.write_text(json.dumps({"c": {"candidates": []}}) + "\n")
    with pytest.raises(ValueError, match="fold\\(s\\) 'c' not documents"):
        tune.journal_candidates(journal, docs)
