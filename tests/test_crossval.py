"""Cross-validation spread over sessions: the journal, --resume, and exact pooling of folds."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import yaml
from click.testing import CliRunner

from ner.cli import main
from ner.config import TrainConfig
from ner.crossval import summarize, summary_table
from ner.entity import Document, Span
from ner.evaluate import span_scores
from ner.known_names import known_names
from ner.labels import LABELS
from ner.labelstudio import to_tasks
from ner.textnorm import normalize_text


def test_pooling_from_fold_counts_equals_pooling_the_spans():
    gold = {
        "a": [Span(0, 2, "ORG"), Span(3, 5, "AMOUNT"), Span(6, 9, "METRIC")],
        "b": [Span(0, 4, "ORG"), Span(5, 7, "PROJECT")],
    }
    pred = {
        "a": [Span(0, 2, "ORG"), Span(3, 6, "AMOUNT"), Span(6, 9, "METRIC"), Span(10, 12, "ORG")],
        "b": [Span(0, 4, "ORG")],
    }
    folds = {d: span_scores([(d, s) for s in gold[d]], [(d, s) for s in pred[d]]) for d in gold}
    everything = span_scores([(d, s) for d in gold for s in gold[d]], [(d, s) for d in pred for s in pred[d]])
    result = summarize(folds)
    assert result["pooled"] == everything
    # hand-checked: 3 of 5 predictions right, 3 of 5 gold found
    assert result["pooled"]["overall"]["f1"] == pytest.approx(0.6)
    # fold a: ORG p 1/2 r 1 -> 2/3; fold b: ORG 1.0; PROJECT only in b (F1 0); GROWTH_RATE in neither
    assert result["mean_per_label_f1"]["ORG"] == pytest.approx((2 / 3 + 1.0) / 2)
    assert result["mean_per_label_f1"]["PROJECT"] == 0.0
    assert result["mean_per_label_f1"]["AMOUNT"] == 0.0  # only in a, missed by a boundary
    # overall: a p 2/4 r 2/3 -> 4/7, b p 1/1 r 1/2 -> 2/3; their mean 0.619; pooled 0.6
    header, row = summary_table({"a long recipe name": result}, "recipe", width=10).splitlines()
    assert header.split() == ["recipe", "METRIC", "AMOUNT", "GROWTH_RATE", "PROJECT", "ORG", "overall", "pooled"]
    assert row.split() == ["ecipe", "name", "1.000", "0.000", "0.000", "0.000", "0.833", "0.619", "0.600"]


@pytest.fixture
def cv_setup(tiny_model, gold_docs, tmp_path):
    docs = [Document(d.id, d.text[:300], [s for s in d.spans if s.end <= 300]) for d in gold_docs[:3]]
    data = tmp_path / "data.json"
    data.write_text(json.dumps(to_tasks(docs), ensure_ascii=False), encoding="utf-8")
    cfg = replace(TrainConfig(), base_model=str(tiny_model), max_length=64, overlap=8, epochs=1, batch_size=4)
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    return docs, data, tmp_path


def test_cv_resumes_from_its_journal_and_refuses_to_mix_recipes(cv_setup):
    docs, data, tmp = cv_setup
    run = lambda *extra: CliRunner().invoke(main, ["cv", "--config", str(tmp / "cfg.yaml"), "--data", str(data), "--out", str(tmp / "cv.json"), *extra])
    r = run("--only", docs[0].id, "--save-models", str(tmp / "folds"))
    assert r.exit_code == 0, r.output
    assert "2 of 3 folds not run yet" in r.output
    assert (tmp / "folds" / docs[0].id / "model.safetensors").exists()
    journal = tmp / "cv.partial.jsonl"
    first = json.loads(journal.read_text())[docs[0].id]
    assert first["config"]["epochs"] == 1 and isinstance(first["predictions"], list)

    r = run("--only", docs[1].id)
    assert r.exit_code != 0 and "--resume" in r.output  # an earlier run is never appended to silently

    r = run("--resume", "--only", docs[1].id)
    assert r.exit_code == 0, r.output
    assert "resuming: 1 fold(s)" in r.output
    result = json.loads((tmp / "cv.json").read_text())
    assert list(result["folds"]) == [docs[0].id, docs[1].id]
    assert result["folds"][docs[0].id]["overall"] == first["overall"]  # kept, not retrained
    assert result["missing_folds"] == [docs[2].id]
    assert len(journal.read_text().splitlines()) == 2

    r = run("--resume", "--epochs", "2")
    assert r.exit_code != 0 and "differs in epochs" in r.output
    r = run("--resume", "--seed", "14")
    assert r.exit_code != 0 and "differs in seed" in r.output  # another seed is another recipe

    # another decoding is another recipe: a new journal, but the saved fold model is reused
    cfg = yaml.safe_load((tmp / "cfg.yaml").read_text())
    (tmp / "argmax.yaml").write_text(yaml.safe_dump({**cfg, "decoding": "argmax"}))
    r = run("--resume", "--config", str(tmp / "argmax.yaml"))
    assert r.exit_code != 0 and "differs in decoding" in r.output
    r = CliRunner().invoke(main, ["cv", "--config", str(tmp / "argmax.yaml"), "--data", str(data), "--out", str(tmp / "cv-argmax.json"),
                                  "--only", docs[0].id, "--save-models", str(tmp / "folds")])
    assert r.exit_code == 0, r.output
    again = json.loads((tmp / "cv-argmax.json").read_text())["folds"][docs[0].id]
    assert again["seconds"] == first["seconds"]  # the training time of the saved model: not retrained
    assert json.loads((tmp / "cv-argmax.partial.jsonl").read_text())[docs[0].id]["config"]["decoding"] == "argmax"

    with journal.open("a") as f:
        f.write('{"half a line')
    r = run("--resume")
    assert r.exit_code != 0 and "not a fold record" in r.output


def test_resume_needs_out(cv_setup):
    docs, data, tmp = cv_setup
    r = CliRunner().invoke(main, ["cv", "--config", str(tmp / "cfg.yaml"), "--data", str(data), "--resume"])
    assert r.exit_code != 0 and "--resume needs --out" in r.output


def test_settings_added_later_resume_at_their_default_and_differ_otherwise(cv_setup):
    docs, data, tmp = cv_setup
    run = lambda cfg, *extra: CliRunner().invoke(main, ["cv", "--config", str(cfg), "--data", str(data), "--out", str(tmp / "cv.json"), "--only", docs[0].id, *extra])
    assert run(tmp / "cfg.yaml").exit_code == 0
    journal = tmp / "cv.partial.jsonl"
    record = json.loads(journal.read_text())
    del record[docs[0].id]["config"]["encoder_layers"]  # a fold journalled before the setting existed
    journal.write_text(json.dumps(record) + "\n")
    r = run(tmp / "cfg.yaml", "--resume")
    assert r.exit_code == 0 and "resuming: 1 fold(s)" in r.output, r.output
    cfg = yaml.safe_load((tmp / "cfg.yaml").read_text())
    (tmp / "l1.yaml").write_text(yaml.safe_dump({**cfg, "encoder_layers": 1}))
    r = run(tmp / "l1.yaml", "--resume")
    assert r.exit_code != 0 and "differs in encoder_layers" in r.output


def test_each_fold_keeps_its_candidates_and_the_floors_filter_them(cv_setup):
    docs, data, tmp = cv_setup
    run = lambda cfg, out: CliRunner().invoke(main, ["cv", "--config", str(cfg), "--data", str(data), "--out", str(tmp / out),
                                                     "--only", docs[0].id, "--save-models", str(tmp / "folds")])
    assert run(tmp / "cfg.yaml", "plain.json").exit_code == 0
    plain = json.loads((tmp / "plain.partial.jsonl").read_text())[docs[0].id]
    scores = sorted(c[3] for c in plain["candidates"])
    assert scores and plain["predictions"] == [c[:3] for c in plain["candidates"]]  # no floors: all kept
    floor = scores[-1]  # the surest candidate: it stays, and every less sure one goes
    cfg = yaml.safe_load((tmp / "cfg.yaml").read_text())
    (tmp / "floors.yaml").write_text(yaml.safe_dump({**cfg, "min_entity_score": {label: floor for label in LABELS}}))
    assert run(tmp / "floors.yaml", "floors.json").exit_code == 0  # the saved model, re-scored
    floored = json.loads((tmp / "floors.partial.jsonl").read_text())[docs[0].id]
    assert floored["candidates"] == plain["candidates"]  # the floors do not change what the model finds
    assert floored["predictions"] == [c[:3] for c in plain["candidates"] if c[3] >= floor]
    assert 0 < len(floored["predictions"]) < len(plain["predictions"]) or len(set(scores)) == 1
    # with keep_known_names, a candidate named as in the fold's training documents passes any floor
    (tmp / "known.yaml").write_text(yaml.safe_dump({**cfg, "min_entity_score": {label: 1.0 for label in LABELS}, "keep_known_names": True}))
    assert run(tmp / "known.yaml", "known.json").exit_code == 0
    known = json.loads((tmp / "known.partial.jsonl").read_text())[docs[0].id]
    names = known_names(docs[1:])
    text = docs[0].text
    assert known["predictions"] == [c[:3] for c in plain["candidates"] if c[3] >= 1.0 or normalize_text(text[c[0] : c[1]]) in names.get(c[2], ())]


def test_extra_training_data_is_trained_on_in_every_fold_and_never_scored(cv_setup):
    docs, data, tmp = cv_setup
    extra = [Document("corpus-1", "推进杭州湾引水工程建设，公牛集团营收增长5%。", [Span(2, 9, "PROJECT"), Span(13, 17, "ORG")])]
    (tmp / "extra.json").write_text(json.dumps(to_tasks(extra), ensure_ascii=False), encoding="utf-8")
    cfg = yaml.safe_load((tmp / "cfg.yaml").read_text())
    (tmp / "extra.yaml").write_text(yaml.safe_dump({**cfg, "extra_training_data": str(tmp / "extra.json"), "dev_docs": 0}))
    r = CliRunner().invoke(main, ["train", "--config", str(tmp / "extra.yaml"), "--data", str(data), "--out", str(tmp / "m")])
    assert r.exit_code == 0, r.output
    metrics = json.loads((tmp / "m" / "metrics.json").read_text())
    assert sorted(metrics["train_documents"]) == sorted([d.id for d in docs] + ["corpus-1"])
    assert "also trained on the reviewed annotations of" in (tmp / "m" / "README.md").read_text()
    kept = json.loads((tmp / "m" / "known_names.json").read_text())
    assert kept == {label: sorted(names) for label, names in known_names(docs).items()}  # names of the gold only

    r = CliRunner().invoke(main, ["cv", "--config", str(tmp / "extra.yaml"), "--data", str(data), "--out", str(tmp / "cv.json"), "--only", docs[0].id])
    assert r.exit_code == 0, r.output
    fold = json.loads((tmp / "cv.json").read_text())["folds"]
    assert list(fold) == [docs[0].id] and fold[docs[0].id]["training_only_documents"] == 1


def test_extra_training_data_that_repeats_gold_text_is_refused(cv_setup):
    docs, data, tmp = cv_setup
    leak = [Document("corpus-2", "前言。" + docs[1].text[:120], [])]  # a corpus paragraph that quotes a gold document
    (tmp / "leak.json").write_text(json.dumps(to_tasks(leak), ensure_ascii=False), encoding="utf-8")
    cfg = yaml.safe_load((tmp / "cfg.yaml").read_text())
    (tmp / "leak.yaml").write_text(yaml.safe_dump({**cfg, "extra_training_data": str(tmp / "leak.json")}))
    for command in (["train", "--out", str(tmp / "m")], ["cv"]):
        r = CliRunner().invoke(main, [command[0], "--config", str(tmp / "leak.yaml"), "--data", str(data), *command[1:]])
        assert r.exit_code != 0 and "repeats gold documents: corpus-2" in r.output
