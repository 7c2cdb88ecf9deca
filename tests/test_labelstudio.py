"""Reading Label Studio exports: every format, and a clear error for every kind of bad export."""

from __future__ import annotations

import json

import pytest

from ner.entity import Span
from ner.labelstudio import AnnotationError, load_documents, parse_export

TEXT = "实现地区生产总值150.06亿元，同比增长18.46%。"


def region(start, end, label, text=None, rid="r"):
    value = {"start": start, "end": end, "labels": [label]}
    value["text"] = TEXT[start:end] if text is None else text
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels", "value": value}


def task(results, tid=1, **extra):
    return {"id": tid, "data": {"text": TEXT, "doc": f"d{tid}.txt"}, "annotations": [{"id": 10, "result": results, "was_cancelled": False, "updated_at": "2026-01-01T00:00:00"}], **extra}


GOOD = [region(2, 8, "METRIC"), region(8, 17, "AMOUNT"), region(18, 26, "GROWTH_RATE")]
EXPECTED = [Span(2, 8, "METRIC"), Span(8, 17, "AMOUNT"), Span(18, 26, "GROWTH_RATE")]


def test_full_export_list_of_tasks():
    (doc,) = parse_export([task(GOOD)])
    assert doc.id == "d1.txt" and doc.text == TEXT and doc.spans == EXPECTED


def test_single_task_object():
    (doc,) = parse_export(task(GOOD))
    assert doc.spans == EXPECTED


def test_json_min_rows():
    rows = [{"id": 7, "text": TEXT, "label": [dict(r["value"]) for r in GOOD], "annotator": 1}]
    (doc,) = parse_export(rows)
    assert doc.id == "7" and doc.spans == EXPECTED


def test_folder_of_exports(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([task(GOOD, 1)], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_text(json.dumps(task(GOOD[:1], 2), ensure_ascii=False), encoding="utf-8")
    docs = load_documents(tmp_path)
    assert [d.id for d in docs] == ["d1.txt", "d2.txt"]
    assert [len(d.spans) for d in docs] == [3, 1]


def test_newest_non_cancelled_annotation_wins_and_predictions_are_ignored():
    t = task(GOOD)
    t["annotations"] = [
        {"id": 1, "result": GOOD[:1], "updated_at": "2026-01-01T00:00:00"},
        {"id": 2, "result": GOOD[:2], "updated_at": "2026-03-01T00:00:00"},
        {"id": 3, "result": GOOD, "updated_at": "2026-05-01T00:00:00", "was_cancelled": True},
    ]
    t["predictions"] = [{"result": [region(0, 2, "ORG")]}]
    (doc,) = parse_export([t])
    assert doc.spans == EXPECTED[:2]


def test_task_without_annotations_is_a_document_without_spans():
    t = task([])
    t["annotations"] = []
    (doc,) = parse_export([t])
    assert doc.spans == []


def test_overlap_is_an_error_naming_the_task():
    with pytest.raises(AnnotationError) as err:
        parse_export([task([region(2, 8, "METRIC"), region(6, 12, "AMOUNT")], tid=42)])
    assert "task 42" in str(err.value) and "overlapping" in str(err.value)


def test_offsets_past_the_text_are_an_error():
    with pytest.raises(AnnotationError) as err:
        parse_export([task([region(20, 99, "AMOUNT", text="不存在的")], tid=5)])
    assert "task 5" in str(err.value) and "outside the text" in str(err.value)


def test_unknown_label_is_an_error():
    with pytest.raises(AnnotationError) as err:
        parse_export([task([region(2, 8, "PERSON")], tid=6)])
    assert "task 6" in str(err.value) and "unknown label" in str(err.value) and "PERSON" in str(err.value)


def test_shifted_offsets_are_repaired_when_unambiguous():
    shifted = region(4, 10, "METRIC", text="地区生产总值")  # true offsets are 2..8
    (doc,) = parse_export([task([shifted])])
    assert doc.spans == [Span(2, 8, "METRIC")]


def test_ambiguous_mismatch_is_an_error():
    text = "增长5%，增长5%。"
    t = {"id": 9, "data": {"text": text}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 1, "end": 4, "text": "增长5%", "labels": ["GROWTH_RATE"]}}]}]}
    with pytest.raises(AnnotationError) as err:
        parse_export([t])
    assert "task 9" in str(err.value) and "the export says" in str(err.value)


def test_every_problem_is_reported_at_once():
    bad = [task([region(2, 8, "PERSON")], tid=1), task([region(2, 8, "METRIC"), region(3, 9, "AMOUNT")], tid=2)]
    with pytest.raises(AnnotationError) as err:
        parse_export(bad)
    assert len(err.value.problems) == 2


def test_malformed_files(tmp_path):
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(AnnotationError, match="not a JSON file"):
        load_documents(tmp_path / "x.json")
    with pytest.raises(AnnotationError, match="no text"):
        parse_export([{"id": 3, "data": {"body": TEXT}, "annotations": []}])
    with pytest.raises(FileNotFoundError):
        load_documents(tmp_path / "missing.json")


def test_the_gold_exports_load_whole(gold_docs):
    assert len(gold_docs) == 13
    assert sum(len(d.spans) for d in gold_docs) == 2440
    for d in gold_docs:
        assert all(d.text[s.start : s.end].strip() for s in d.spans)
