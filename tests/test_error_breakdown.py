"""scripts/error_breakdown.py sorts each held-out mistake of a CV journal into one class."""

from __future__ import annotations

import json
from pathlib import Path

from ner.entity import Document, Span
from ner.labelstudio import to_tasks


def test_each_mistake_is_counted_once_in_its_class(tmp_path: Path, load_script) -> None:
    text = "规上工业产值和公牛集团，韩电增长5%"
    gold = [Span(0, 6, "METRIC"), Span(7, 11, "ORG"), Span(14, 18, "GROWTH_RATE")]
    (tmp_path / "gold.json").write_text(json.dumps(to_tasks([Document("d1", text, gold)])), encoding="utf-8")
    predictions = [
        [2, 6, "METRIC"],  # 工业产值: same label, other edges → boundary, on both sides
        [7, 11, "PROJECT"],  # 公牛集团 as PROJECT → other label, on both sides
        [12, 14, "ORG"],  # 韩电: overlaps no gold span → a false alarm of class none
        [14, 18, "GROWTH_RATE"],  # exact: no mistake
    ]
    journal = tmp_path / "cv.partial.jsonl"
    journal.write_text(json.dumps({"d1": {"predictions": predictions}}) + "\n", encoding="utf-8")

    counts, texts = load_script("error_breakdown").breakdown(journal, str(tmp_path / "gold.json"))

    assert dict(counts) == {
        ("METRIC", "miss", "boundary"): 1,
        ("METRIC", "false alarm", "boundary"): 1,
        ("ORG", "miss", "other label"): 1,
        ("PROJECT", "false alarm", "other label"): 1,
        ("ORG", "false alarm", "none"): 1,
    }
    assert texts[("METRIC", "miss", "boundary")] == ["规上工业产值"]
    assert texts[("ORG", "false alarm", "none")] == ["韩电"]


def test_coordinated_neighbours_are_sorted_by_what_the_gold_makes_of_them(tmp_path: Path, load_script) -> None:
    text = "黎明村、余家路村公益事业项目和公牛、韩电及新城"
    gold = [Span(0, 14, "PROJECT"), Span(15, 17, "ORG"), Span(18, 20, "ORG")]
    (tmp_path / "gold.json").write_text(json.dumps(to_tasks([Document("d1", text, gold)])), encoding="utf-8")
    predictions = [
        [0, 3, "PROJECT"], [4, 14, "PROJECT"],  # one gold span cut at 、
        [15, 17, "ORG"], [18, 20, "ORG"],  # two gold spans: right as they are
        [21, 23, "ORG"],  # joined to 韩电 by 及, but not gold: neither
    ]
    journal = tmp_path / "cv.partial.jsonl"
    journal.write_text(json.dumps({"d1": {"predictions": predictions}}) + "\n", encoding="utf-8")

    pairs = load_script("error_breakdown").coordinated_pairs(journal, str(tmp_path / "gold.json"))

    assert dict(pairs) == {("PROJECT", "one gold span"): 1, ("ORG", "two gold spans"): 1, ("ORG", "neither"): 1}
