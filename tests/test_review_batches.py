"""scripts/review_batches.py: corpus paragraphs pre-annotated for review in an inline markup, and back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ner.entity import Span
from ner.labelstudio import load_documents

ROOT = Path(__file__).resolve().parents[1]
TEXT = "推进杭州湾引水工程建设，公牛集团营收增长5%。"
SPANS = [Span(2, 9, "PROJECT"), Span(12, 16, "ORG"), Span(18, 22, "GROWTH_RATE")]


def test_markup_round_trips(load_script) -> None:
    rb = load_script("review_batches")
    marked = rb.markup(TEXT, SPANS)
    assert marked == "推进[杭州湾引水工程]{PROJECT}建设，[公牛集团]{ORG}营收[增长5%]{GROWTH_RATE}。"
    assert rb.parse_markup(marked) == (TEXT, SPANS)
    with pytest.raises(ValueError, match="unknown label 'COMPANY'"):
        rb.parse_markup("[公牛集团]{COMPANY}营收")


def test_paragraphs_leave_out_the_gold_provinces_and_national_reports(load_script, tmp_path) -> None:
    works = "推进杭州湾引水工程、甬舟铁路项目建设，新建产业园区。" * 8  # about 200 characters, dense in works
    plain = "坚持稳中求进工作总基调，全面深化改革开放，持续改善民生福祉。" * 7
    reports = [
        {"level": "provincial", "region": "浙江省", "year": 2025, "text": f"{plain}\n{works}\n短句。"},
        {"level": "provincial", "region": "江苏省", "year": 2025, "text": works},  # a gold document's province
        {"level": "national", "region": "全国", "year": 2025, "text": works},
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in reports), encoding="utf-8")
    found = load_script("review_batches").paragraphs(corpus)
    assert [pid for pid, _ in found] == [f"r0-2025-{len(plain) + 1}", "r0-2025-0"]  # densest first; too short left out
    assert found[0][1] == works


def test_collect_writes_an_export_and_refuses_changed_text(tmp_path) -> None:
    (tmp_path / "originals.json").write_text(json.dumps({"r0-2025-0": TEXT}, ensure_ascii=False), encoding="utf-8")
    reviewed = tmp_path / "reviewed-01.md"
    run = lambda: subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "review_batches.py"), "collect", str(tmp_path), "--out", str(tmp_path / "out.json"), "--source", "review"],
        capture_output=True, text=True, check=False,
    )
    reviewed.write_text("### r0-2025-0\n推进[杭州湾引水工程]{PROJECT}建设，[公牛集团]{ORG}营收[增长5%]{GROWTH_RATE}。\n", encoding="utf-8")
    r = run()
    assert r.returncode == 0, r.stderr
    [doc] = load_documents(tmp_path / "out.json")
    assert (doc.id, doc.text, doc.spans) == ("r0-2025-0", TEXT, SPANS)
    assert json.loads((tmp_path / "out.json").read_text())[0]["annotations"][0]["completed_by"] == "review"

    reviewed.write_text("### r0-2025-0\n推进[杭州湾引水工程]{PROJECT}建设,[公牛集团]{ORG}营收增长5%。\n", encoding="utf-8")  # ， became ,
    (tmp_path / "out.json").unlink()
    r = run()
    assert r.returncode != 0 and "r0-2025-0: the text differs" in r.stderr
    assert not (tmp_path / "out.json").exists()
