"""Self-training data: which corpus sentences a teacher's labels are kept for, and the CLI around it."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from ner.cli import main
from ner.config import TrainConfig
from ner.entity import Document, Span
from ner.labels import bio_tags
from ner.labelstudio import load_documents, to_tasks
from ner.pseudo_label import pseudo_label, sentences
from ner.tagger import WindowedTagger

SURE, UNSURE = "国务院召开会议，部署今年工作。", "国务院疑似讨论了一些问题。"
EMPTY = "今天天气很好，没有什么事情。"


@pytest.fixture(scope="module")
def teacher(tokenizer) -> WindowedTagger:
    """A known model: 国务院 is an ORG, 疑 leaves it guessing (all tags equal), anything else is O."""
    tags = bio_tags()
    vocab = tokenizer.get_vocab()
    sure = {vocab["国"]: "B-ORG", vocab["务"]: "I-ORG", vocab["院"]: "I-ORG"}

    def logits(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros((*ids.shape, len(tags)), dtype=np.float32)
        for (r, c), token in np.ndenumerate(ids):
            if token != vocab["疑"]:
                out[r, c, tags.index(sure.get(int(token), "O"))] = 12.0
        return out

    return WindowedTagger(tokenizer, tags, logits, max_length=64, overlap=8, decoding="viterbi", min_entity_chars=2)


def test_sentences_carry_their_place_in_the_report():
    reports = ["一、回顾\n过去一年，地区生产总值增长5%。完成投资10亿元；其他\n第二段没有句号但足够长", "短。"]
    got = list(sentences(reports, min_chars=5))
    assert [d.text for d in got] == ["过去一年，地区生产总值增长5%。", "完成投资10亿元；", "第二段没有句号但足够长"]
    for d in got:
        n, offset = d.id.removeprefix("report").split(":")
        assert reports[int(n)][int(offset) : int(offset) + len(d.text)] == d.text
    assert list(sentences(reports, skip={0}, min_chars=1)) == [Document("report1:0", "短。")]


def test_only_sentences_sure_in_every_token_and_with_an_entity_are_kept(teacher):
    got = pseudo_label(teacher, [SURE + UNSURE + EMPTY], min_confidence=0.9)
    assert got.sentences_tagged == 3
    assert got.documents == [Document("report0:0", SURE, [Span(0, 3, "ORG")])]
    # below the confidence of a guess (1/11), the unsure sentence is kept too
    assert len(pseudo_label(teacher, [SURE + UNSURE], min_confidence=0.05).documents) == 2


def test_reports_holding_gold_text_are_not_labelled(teacher):
    gold = Document("g", SURE * 3 + "甲" * 5)  # its first 30 characters are in report 0 only
    got = pseudo_label(teacher, [EMPTY + SURE * 4, SURE], exclude=[gold])
    assert got.skipped_reports == [0]
    assert [d.id for d in got.documents] == ["report1:0"]


def test_draws_are_seeded_and_stop_at_the_budget(teacher):
    reports = [f"国务院第{'一二三四五六七八九'[i]}次会议部署今年工作。" * 2 for i in range(9)]
    got = pseudo_label(teacher, reports, max_chars=40, seed=1)
    kept = sum(len(d.text) for d in got.documents)
    assert 40 <= kept < 40 + len(reports[0])
    assert got == pseudo_label(teacher, reports, max_chars=40, seed=1)
    other = pseudo_label(teacher, reports, max_chars=1000, seed=2)
    assert len(other.documents) == 18 and [d.id for d in other.documents][:3] != [d.id for d in got.documents][:3]
    with pytest.raises(ValueError, match="min_confidence"):
        pseudo_label(teacher, reports, min_confidence=1.5)


def test_to_tasks_reads_back_as_the_same_documents(gold_docs, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(to_tasks(gold_docs[:2]), ensure_ascii=False), encoding="utf-8")
    assert load_documents(path) == gold_docs[:2]


@pytest.fixture
def st_setup(tiny_model, gold_docs, tmp_path):
    """Two short gold documents, a corpus of three reports (one holds gold text), configs with and without it."""
    docs = [Document(d.id, d.text[:300], [s for s in d.spans if s.end <= 300]) for d in gold_docs[:2]]
    (tmp_path / "data.json").write_text(json.dumps(to_tasks(docs), ensure_ascii=False), encoding="utf-8")
    corpus = tmp_path / "corpus.jsonl"
    reports = [SURE * 3 + EMPTY, "全市地区生产总值增长5.2%，完成投资120亿元。", "前言。" + docs[0].text[:100]]
    corpus.write_text("\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in reports), encoding="utf-8")
    cfg = replace(TrainConfig(), base_model=str(tiny_model), max_length=64, overlap=8, epochs=1, batch_size=4, dev_docs=0)
    (tmp_path / "plain.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    st = replace(cfg, self_training_corpus=str(corpus), self_training_min_confidence=0.0)
    (tmp_path / "st.yaml").write_text(yaml.safe_dump(st.to_dict()))
    return docs, tmp_path


def test_cli_self_training_needs_both_a_corpus_and_a_teacher(st_setup, tiny_model):
    docs, tmp = st_setup
    run = lambda *args: CliRunner().invoke(main, [*args, "--data", str(tmp / "data.json")])
    r = run("train", "--config", str(tmp / "st.yaml"), "--out", str(tmp / "m"))
    assert r.exit_code != 0 and "--teacher is needed" in r.output
    r = run("train", "--config", str(tmp / "plain.yaml"), "--teacher", str(tiny_model), "--out", str(tmp / "m"))
    assert r.exit_code != 0 and "no self_training_corpus" in r.output
    r = run("cv", "--config", str(tmp / "st.yaml"), "--teachers", str(tmp))
    assert r.exit_code != 0 and f"no fold model for: {docs[0].id}, {docs[1].id}" in r.output


def test_cli_trains_and_cross_validates_with_teacher_labels(st_setup, tiny_model):
    docs, tmp = st_setup
    runner = CliRunner()
    r = runner.invoke(main, ["train", "--config", str(tmp / "st.yaml"), "--data", str(tmp / "data.json"), "--teacher", str(tiny_model), "--out", str(tmp / "m")])
    assert r.exit_code == 0, r.output
    assert "1 report(s) with gold text skipped" in r.output
    metrics = json.loads((tmp / "m" / "metrics.json").read_text())
    added = [d for d in metrics["train_documents"] if d.startswith("report")]
    assert added and all(d.startswith(("report0:", "report1:")) for d in added)  # report2 holds gold text
    assert sorted(set(metrics["train_documents"]) - set(added)) == sorted(d.id for d in docs)
    card = (tmp / "m" / "README.md").read_text()
    assert f"sentences labelled by {tiny_model}" in card and "self-training on 40,000 characters" in card
    # each fold's teacher sits in DIR/<held-out id>/
    for d in docs:
        (tmp / "teachers").mkdir(exist_ok=True)
        (tmp / "teachers" / d.id).symlink_to(tiny_model, target_is_directory=True)
    r = runner.invoke(main, ["cv", "--config", str(tmp / "st.yaml"), "--data", str(tmp / "data.json"), "--teachers", str(tmp / "teachers"), "--only", docs[0].id])
    assert r.exit_code == 0, r.output
    assert f"teachers/{docs[0].id} kept" in r.output


def test_cli_pseudo_label_writes_an_export_that_loads(st_setup, tiny_model):
    docs, tmp = st_setup
    r = CliRunner().invoke(main, ["pseudo-label", "--model", str(tiny_model), "--corpus", str(tmp / "corpus.jsonl"), "--data", str(tmp / "data.json"), "--out", str(tmp / "p.json"), "--min-confidence", "0"])
    assert r.exit_code == 0, r.output
    written = load_documents(tmp / "p.json")
    assert f"wrote {len(written)} sentences" in r.output
    assert written and all(d.spans and d.id.startswith(("report0:", "report1:")) for d in written)
