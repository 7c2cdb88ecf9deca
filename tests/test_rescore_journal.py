"""scripts/rescore_journal.py: a journal's candidates re-scored with the current rules and floors."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from ner.config import TrainConfig
from ner.entity import Document, Span
from ner.evaluate import span_scores
from ner.labelstudio import to_tasks

ROOT = Path(__file__).resolve().parents[1]


def test_current_rules_and_floors_apply_to_the_candidates(load_script) -> None:
    text = "夏宝电器等4个项目开工，产值增长5%"
    gold = [Span(0, 4, "ORG"), Span(14, 18, "GROWTH_RATE")]
    fold = {
        "seconds": 800.0,
        "config": {"learning_rate": 2e-4, "span_rules": False, "min_entity_score": {}},
        # as recorded before the company rule: 夏宝电器 a PROJECT; 增长5% a sure change; 产值 unsure
        "candidates": [[0, 4, "PROJECT", 0.9], [12, 14, "METRIC", 0.6], [14, 18, "GROWTH_RATE", 0.99]],
    }
    cfg = TrainConfig(min_entity_score={"METRIC": 0.95, "ORG": 0.75})
    scores, changed = load_script("rescore_journal").rescore(fold, text, gold, "d", cfg)
    assert changed == 1  # 夏宝电器 became an ORG
    assert scores["predictions"] == [[0, 4, "ORG"], [14, 18, "GROWTH_RATE"]]  # 产值 below its floor
    assert scores["overall"]["f1"] == 1.0 and scores["seconds"] == 800.0
    assert scores["candidates"][0] == [0, 4, "ORG", 0.9]
    # the record says how it is now scored, so that `ner cv --resume` with that recipe accepts it
    assert scores["config"] == {
        "learning_rate": 2e-4, "span_rules": True, "min_entity_score": cfg.min_entity_score, "valued_metric_score": 1.0,
        "keep_known_names": False,
    }
    # with a lower floor for an indicator right before its value, 产值 (0.6, then 增长5%) is kept
    scores, _ = load_script("rescore_journal").rescore(fold, text, gold, "d", replace(cfg, valued_metric_score=0.6))
    assert scores["predictions"] == [[0, 4, "ORG"], [12, 14, "METRIC"], [14, 18, "GROWTH_RATE"]]
    assert scores["config"]["valued_metric_score"] == 0.6


def test_a_journal_is_rewritten_elsewhere_and_bad_folds_are_refused(tmp_path: Path) -> None:
    doc = Document("d", "公牛集团增长5%", [Span(0, 4, "ORG"), Span(4, 8, "GROWTH_RATE")])
    (tmp_path / "gold.json").write_text(json.dumps(to_tasks([doc])), encoding="utf-8")
    (tmp_path / "cfg.yaml").write_text("min_entity_score: {ORG: 0.75}\n", encoding="utf-8")
    journal = tmp_path / "cv.partial.jsonl"
    ran = span_scores([("d", s) for s in doc.spans], [("d", doc.spans[0])])  # as `ner cv` wrote it
    ran["candidates"] = [[0, 4, "ORG", 0.7], [4, 8, "GROWTH_RATE", 0.9]]
    journal.write_text(json.dumps({"d": ran}) + "\n")
    out = tmp_path / "re.partial.jsonl"

    def run(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, str(ROOT / "scripts" / "rescore_journal.py"), str(journal), "--config", str(tmp_path / "cfg.yaml"),
               "--data", str(tmp_path / "gold.json"), *args]
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)

    done = run("--out", str(out))
    assert done.returncode == 0, done.stderr
    fold = json.loads(out.read_text())["d"]
    assert fold["predictions"] == [[4, 8, "GROWTH_RATE"]]  # the ORG at 0.7 is under its floor
    assert run("--out", str(journal)).returncode == 2  # never over the record of what was run
    journal.write_text(json.dumps({"d": {"predictions": []}}) + "\n")
    refused = run("--out", str(out))
    assert refused.returncode == 2 and "no candidates" in refused.stderr and "Traceback" not in refused.stderr


def test_known_names_come_from_the_other_documents_only(tmp_path: Path) -> None:
    held = Document("d", "公牛集团增长5%", [Span(0, 4, "ORG"), Span(4, 8, "GROWTH_RATE")])
    ran = span_scores([("d", s) for s in held.spans], [("d", held.spans[1])])
    ran["candidates"] = [[0, 4, "ORG", 0.7], [4, 8, "GROWTH_RATE", 0.9]]
    journal = tmp_path / "cv.partial.jsonl"
    journal.write_text(json.dumps({"d": ran}) + "\n")
    (tmp_path / "cfg.yaml").write_text("min_entity_score: {ORG: 0.75}\nkeep_known_names: true\n", encoding="utf-8")

    def predictions(other: Document) -> list:
        (tmp_path / "gold.json").write_text(json.dumps(to_tasks([held, other])), encoding="utf-8")
        cmd = [sys.executable, str(ROOT / "scripts" / "rescore_journal.py"), str(journal), "--config", str(tmp_path / "cfg.yaml"),
               "--data", str(tmp_path / "gold.json"), "--out", str(tmp_path / "re.partial.jsonl")]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return json.loads((tmp_path / "re.partial.jsonl").read_text())["d"]["predictions"]

    # another document names 公牛集团 an ORG: the fold trained on it keeps the unsure ORG
    assert predictions(Document("e", "公牛集团开工", [Span(0, 4, "ORG")])) == [[0, 4, "ORG"], [4, 8, "GROWTH_RATE"]]
    # only the held-out document names it: its own gold is no known name
    assert predictions(Document("e", "项目开工", [])) == [[4, 8, "GROWTH_RATE"]]
