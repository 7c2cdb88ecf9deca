"""One real training run on the tiny model: it trains, saves, reloads; and the CLI around it."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import replace

import pytest
import torch
import yaml
from click.testing import CliRunner

from ner.bundle import read_manifest
from ner.cli import main
from ner.config import TrainConfig
from ner.entity import Document, Span
from ner.labels import LABELS, bio_tags
from ner.labelstudio import to_tasks
from ner.train import (
    load_model,
    load_tagger,
    mask_names,
    resolve_base_model,
    save_model,
    split_documents,
    tag_weights,
    train,
    weighted_loss,
)


@pytest.fixture(scope="module")
def small_docs(gold_docs):
    """Two short documents cut from the gold data (spans that fit are kept)."""
    out = []
    for doc in gold_docs[:3]:
        n = 600
        out.append(Document(doc.id, doc.text[:n], [s for s in doc.spans if s.end <= n]))
    return out


def test_training_runs_saves_and_reloads(tiny_model, small_docs, tmp_path):
    cfg = TrainConfig(base_model=str(tiny_model), max_length=64, overlap=8, epochs=2, batch_size=4, dev_docs=1, learning_rate=1e-3)
    result = train(cfg, small_docs, progress=False)
    assert len(result.history) == 2 and all("dev_f1" in h for h in result.history)
    assert len(result.dev_docs) == 1 and result.dev_docs[0] not in result.train_docs
    out = save_model(result, tmp_path / "m", "test data")
    for name in ("model.safetensors", "config.json", "tokenizer.json", "labels.json", "train_config.yaml", "metrics.json", "README.md"):
        assert (out / name).exists(), name
    assert not list(out.glob("*.bin")), "no pickled weights"
    model, tokenizer, cfg2 = load_model(out)
    assert cfg2 == cfg and model.config.num_labels == 11
    assert load_tagger(out).decoding == cfg.decoding == "viterbi-words"  # decodes as saved …
    assert load_tagger(out, replace(cfg, decoding="argmax", min_entity_score={"ORG": 0.9})).decoding == "argmax"  # … or as told
    card = (out / "README.md").read_text()
    assert "Base model" in card and "Licence" in card


def test_extra_documents_are_trained_on_but_never_held_out_for_dev(tiny_model, small_docs):
    cfg = TrainConfig(base_model=str(tiny_model), max_length=64, overlap=8, epochs=1, batch_size=4, dev_docs=1)
    extra = [Document(f"report0:{i}", "国务院召开常务会议。", [Span(0, 3, "ORG")]) for i in range(5)]
    result = train(cfg, small_docs, progress=False, extra=extra)
    assert result.dev_docs and not set(result.dev_docs) & {d.id for d in extra}
    assert {d.id for d in extra} <= set(result.train_docs)
    assert result.dev_docs == train(cfg, small_docs, progress=False).dev_docs  # the gold split is unchanged


def test_encoder_layers_keeps_the_first_layers_of_the_base(tiny_model, small_docs, tmp_path):
    cfg = TrainConfig(base_model=str(tiny_model), max_length=64, overlap=8, epochs=1, batch_size=4, dev_docs=0, encoder_layers=1)
    result = train(cfg, small_docs, progress=False)
    assert result.model.config.num_hidden_layers == 1 and len(result.model.bert.encoder.layer) == 1
    base = load_model(tiny_model)[0]
    kept = result.model.bert.embeddings.word_embeddings.weight.shape
    assert kept == base.bert.embeddings.word_embeddings.weight.shape
    model, _, cfg2 = load_model(save_model(result, tmp_path / "m", "test data"))
    assert len(model.bert.encoder.layer) == 1 and cfg2.encoder_layers == 1
    assert "its first 1 layers" in (tmp_path / "m" / "README.md").read_text()
    with pytest.raises(ValueError, match="has only 2 layers"):
        train(replace(cfg, encoder_layers=3), small_docs, progress=False)
    (tmp_path / "neg.yaml").write_text("encoder_layers: -1\n")
    with pytest.raises(ValueError, match="encoder_layers must be 0"):
        TrainConfig.from_yaml(tmp_path / "neg.yaml")


def test_split_is_by_document_seeded_and_order_free(small_docs):
    a = split_documents(small_docs, 1, seed=5)
    b = split_documents(list(reversed(small_docs)), 1, seed=5)
    assert [d.id for d in a[0]] == [d.id for d in b[0]] and [d.id for d in a[1]] == [d.id for d in b[1]]
    assert not {d.id for d in a[0]} & {d.id for d in a[1]}
    assert split_documents(small_docs[:1], 1, seed=5)[1] == []  # never train on nothing


def test_config_rejects_unknown_and_bad_settings(tmp_path):
    (tmp_path / "a.yaml").write_text("learning_rate: 1e-4\nepochs: 3\n")
    assert TrainConfig.from_yaml(tmp_path / "a.yaml").epochs == 3
    (tmp_path / "b.yaml").write_text("learnin_rate: 1e-4\n")
    with pytest.raises(ValueError, match="unknown setting"):
        TrainConfig.from_yaml(tmp_path / "b.yaml")
    (tmp_path / "c.yaml").write_text("epochs: many\n")
    with pytest.raises(ValueError, match="must be a number"):
        TrainConfig.from_yaml(tmp_path / "c.yaml")
    (tmp_path / "e.yaml").write_text("span_rules: 1\n")
    with pytest.raises(ValueError, match="span_rules must be true or false"):
        TrainConfig.from_yaml(tmp_path / "e.yaml")
    (tmp_path / "d.yaml").write_text("decoding: crf\n")
    with pytest.raises(ValueError, match="decoding must be one of argmax, viterbi"):
        TrainConfig.from_yaml(tmp_path / "d.yaml")
    for setting in ("self_training_min_confidence", "substitute_probability", "compose_probability", "mask_name_probability"):
        (tmp_path / "f.yaml").write_text(f"{setting}: 90\n")
        with pytest.raises(ValueError, match=f"{setting} must be between 0 and 1"):
            TrainConfig.from_yaml(tmp_path / "f.yaml")


def test_label_maps_are_checked_and_score_floors_are_not_a_training_setting(tmp_path):
    (tmp_path / "g.yaml").write_text("min_entity_score:\n  METRIC: 0.95\n  ORG: 0.75\nvalued_metric_score: 0.8\n")
    cfg = TrainConfig.from_yaml(tmp_path / "g.yaml")
    assert cfg.min_entity_score == {"METRIC": 0.95, "ORG": 0.75}
    assert cfg.training_settings() == TrainConfig().training_settings()  # saved fold models are re-scored
    assert TrainConfig().min_entity_score == {} and TrainConfig().min_entity_score is not TrainConfig().min_entity_score
    for bad, message in (
        ("min_entity_score: 0.9", "must map labels to numbers"),
        ("min_entity_score:\n  PERSON: 0.9", "names 'PERSON', not one of METRIC"),
        ("min_entity_score:\n  ORG: 1.5", "for ORG must be a number between 0 and 1"),
        ("min_entity_score:\n  ORG: high", "for ORG must be a number between 0 and 1"),
        ("valued_metric_score: 1.5", "valued_metric_score must be between 0 and 1"),
        ("label_weights: 2", "label_weights must map labels to numbers"),
        ("label_weights:\n  PERSON: 2", "names 'PERSON', not one of METRIC"),
        ("label_weights:\n  ORG: 0", "label_weights for ORG must be a positive number"),
    ):
        (tmp_path / "h.yaml").write_text(bad + "\n")
        with pytest.raises(ValueError, match=message):
            TrainConfig.from_yaml(tmp_path / "h.yaml")


def test_label_weights_change_what_is_learned(tiny_model, small_docs):
    cfg = TrainConfig(base_model=str(tiny_model), max_length=64, overlap=8, epochs=1, batch_size=4, dev_docs=0)
    plain = train(cfg, small_docs, progress=False)
    weighted = train(replace(cfg, label_weights={"ORG": 5.0}), small_docs, progress=False)
    assert plain.history[0]["loss"] != weighted.history[0]["loss"]  # same seed and batches: only the loss differs


def test_label_weights_weight_a_labels_tokens_in_the_loss(tmp_path):
    tags = bio_tags()
    weights = tag_weights(tags, {"ORG": 3.0}, "cpu")
    assert [tags[i] for i, w in enumerate(weights.tolist()) if w != 1.0] == ["B-ORG", "I-ORG"]
    # two tokens, both with logits 0 (p = 1/11 for every tag) and one ignored: gold O (weight 1), gold B-ORG (3)
    logits = torch.zeros(1, 3, len(tags))
    labels = torch.tensor([[0, tags.index("B-ORG"), -100]])
    # a weighted mean of equal losses is that loss: ln 11
    assert weighted_loss(logits, labels, weights).item() == pytest.approx(math.log(11))
    logits[0, 0, 0] = math.log(10)  # the O token: p(O) = 10/20, loss ln 2; the ORG token still ln 11
    assert weighted_loss(logits, labels, weights).item() == pytest.approx((math.log(2) + 3 * math.log(11)) / 4)
    (tmp_path / "w.yaml").write_text("label_weights:\n  PROJECT: 2\n  ORG: 2.5\n")
    cfg = TrainConfig.from_yaml(tmp_path / "w.yaml")
    assert cfg.label_weights == {"PROJECT": 2, "ORG": 2.5}
    assert cfg.training_settings() != TrainConfig().training_settings()  # another recipe: fold models retrain


def test_masking_hides_only_name_tokens_at_about_its_rate():
    tags = bio_tags()
    names = torch.tensor([tags.index(t) for t in ("B-PROJECT", "I-PROJECT", "B-ORG", "I-ORG")])
    labels = torch.tensor([[tags.index("O"), tags.index("B-METRIC"), tags.index("B-ORG"), tags.index("I-PROJECT"), -100] * 2000])
    ids = torch.arange(labels.numel()).view(labels.shape) + 200
    out = mask_names(ids, labels, names, 103, 0.3, torch.Generator().manual_seed(0))
    is_name = torch.isin(labels, names)
    assert torch.equal(out[~is_name], ids[~is_name])  # O, METRIC and padding are never hidden
    hidden = (out[is_name] == 103).float().mean().item()
    assert 0.27 < hidden < 0.33
    assert torch.equal(out[is_name & (out != 103)], ids[is_name & (out != 103)])  # the rest are left as they were
    assert torch.equal(mask_names(ids, labels, names, 103, 0.0, torch.Generator()), ids)


def test_masking_names_changes_what_is_learned_and_is_seeded(tiny_model, small_docs):
    cfg = TrainConfig(base_model=str(tiny_model), max_length=64, overlap=8, epochs=1, batch_size=4, dev_docs=0)
    masked = replace(cfg, mask_name_probability=0.5)
    assert train(masked, small_docs, progress=False).history == train(masked, small_docs, progress=False).history
    assert train(cfg, small_docs, progress=False).history != train(masked, small_docs, progress=False).history


def test_frozen_word_embeddings_stay_as_pretrained(tiny_model, small_docs):
    from transformers import AutoModelForTokenClassification

    base = AutoModelForTokenClassification.from_pretrained(tiny_model)
    cfg = TrainConfig(base_model=str(tiny_model), max_length=64, overlap=8, epochs=1, batch_size=4, dev_docs=0)
    frozen = train(replace(cfg, freeze_word_embeddings=True), small_docs, progress=False).model
    tuned = train(cfg, small_docs, progress=False).model
    words = lambda m: m.get_input_embeddings().weight
    assert torch.equal(words(frozen), words(base)) and not torch.equal(words(tuned), words(base))
    layer = lambda m: m.base_model.encoder.layer[0].output.dense.weight
    assert not torch.equal(layer(frozen), layer(base))  # the layers above still learn


def test_missing_base_model_names_the_script_that_makes_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="fetch_base_model"):
        resolve_base_model(str(tmp_path / "m3e-small"))
    with pytest.raises(FileNotFoundError, match="pretrain_mlm"):
        resolve_base_model(str(tmp_path / "m3e-small-gov"))
    assert resolve_base_model("hfl/rbt3") == "hfl/rbt3"  # hub ids pass through for users with the hub


def test_shipped_configs_load():
    from pathlib import Path

    for path in Path(__file__).resolve().parent.parent.glob("configs/*.yaml"):
        TrainConfig.from_yaml(path)


def test_cli_train_evaluate_cv_export_extract(tiny_model, small_docs, tmp_path):
    data = tmp_path / "data.json"
    data.write_text(json.dumps(to_tasks(small_docs), ensure_ascii=False), encoding="utf-8")
    cfg = replace(TrainConfig(), base_model=str(tiny_model), max_length=64, overlap=8, epochs=1, batch_size=4, dev_docs=1)
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    runner = CliRunner()
    r = runner.invoke(main, ["train", "--config", str(tmp_path / "cfg.yaml"), "--data", str(data), "--out", str(tmp_path / "m"), "--seed", "7"])
    assert r.exit_code == 0, r.output
    assert TrainConfig.from_yaml(tmp_path / "m" / "train_config.yaml").seed == 7  # the override is what trained
    r = runner.invoke(main, ["evaluate", "--model", str(tmp_path / "m"), "--data", str(data)])
    assert r.exit_code == 0 and "seqeval" in r.output and "exact character spans" in r.output, r.output
    r = runner.invoke(main, ["cv", "--config", str(tmp_path / "cfg.yaml"), "--data", str(data), "--only", small_docs[0].id, "--out", str(tmp_path / "cv.json")])
    assert r.exit_code == 0 and "pooled" in r.output, r.output
    assert list(json.loads((tmp_path / "cv.json").read_text())["folds"]) == [small_docs[0].id]
    r = runner.invoke(main, ["export", "--model", str(tmp_path / "m"), "--out", str(tmp_path / "b"), "--data", str(data), "--check-docs", "1", "--int8-only", "--cv", str(tmp_path / "cv.json")])
    assert r.exit_code == 0 and "max_abs_logit_diff" in r.output, r.output
    assert not (tmp_path / "b" / "model.onnx").exists() and (tmp_path / "b" / "model.int8.onnx").exists()
    card = (tmp_path / "b" / "README.md").read_text()
    assert "cross-validation" in card and "| mean of 1 |" in card and "viterbi-words decoding" in card, card
    assert "guideline span rules" in card
    assert small_docs[0].id in card and "Licence" in card, card
    gb = tmp_path / "report.txt"
    gb.write_bytes("实现地区生产总值150.06亿元，同比增长18.46%。".encode("gb18030"))
    r = runner.invoke(main, ["extract", str(gb), "--model", str(tmp_path / "b"), "--json"])
    assert r.exit_code == 0, r.output
    for line in r.output.splitlines():
        e = json.loads(line)
        assert "实现地区生产总值150.06亿元，同比增长18.46%。"[e["start"]:e["end"]] == e["text"]
    (tmp_path / "other.yaml").write_text(yaml.safe_dump({**cfg.to_dict(), "epochs": 2}))
    r = runner.invoke(main, ["export", "--model", str(tmp_path / "m"), "--out", str(tmp_path / "b2"), "--check-docs", "0", "--config", str(tmp_path / "other.yaml")])
    assert r.exit_code != 0 and "differs in epochs, seed" in r.output and "Traceback" not in r.output, r.output
    (tmp_path / "bad.yaml").write_text("epochs: many\n")
    r = runner.invoke(main, ["export", "--model", str(tmp_path / "m"), "--config", str(tmp_path / "bad.yaml")])
    assert r.exit_code != 0 and "epochs must be a number" in r.output, r.output
    r = runner.invoke(main, ["evaluate", "--model", str(tmp_path / "m"), "--data", str(tmp_path / "nope.json")])
    assert r.exit_code != 0 and "no such annotation file" in r.output
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    r = runner.invoke(main, ["extract", str(tmp_path / "bin.txt"), "--model", str(tmp_path / "b")])
    assert r.exit_code != 0 and "binary" in r.output


def test_export_card_only_rewrites_the_card_of_a_bundle(tiny_bundle, tmp_path):
    bundle = tmp_path / "b"
    shutil.copytree(tiny_bundle, bundle)
    weights = (bundle / "model.int8.onnx").read_bytes()
    fold = {label: {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2, "predicted": 2} for label in (*LABELS, "overall")}
    (tmp_path / "cv.json").write_text(json.dumps({"folds": {"held.txt": fold}}))
    runner = CliRunner()
    r = runner.invoke(main, ["export", "--model", str(bundle), "--card-only", "--cv", str(tmp_path / "cv.json")])
    assert r.exit_code == 0, r.output
    card = (bundle / "README.md").read_text()
    assert "| held.txt | 0.500 |" in card and "| mean of 1 |" in card and "Export check" in card, card
    assert (bundle / "model.int8.onnx").read_bytes() == weights
    read_manifest(bundle)  # re-hashed: the bundle still loads
    r = runner.invoke(main, ["export", "--model", str(bundle), "--card-only"])
    assert r.exit_code != 0 and "needs --cv" in r.output
    (bundle / "labels.json").write_text("[]")  # a bundle changed by hand is refused, not re-hashed
    r = runner.invoke(main, ["export", "--model", str(bundle), "--card-only", "--cv", str(tmp_path / "cv.json")])
    assert r.exit_code != 0 and "Traceback" not in r.output, r.output


@pytest.mark.parametrize("command", ["train", "evaluate", "cv", "export", "extract", "pseudo-label"])
def test_every_command_has_help_with_an_example(command):
    r = CliRunner().invoke(main, [command, "--help"])
    assert r.exit_code == 0 and "Example" in r.output


def test_model_cards_of_m3e_models_carry_its_licence():
    from ner.modelcard import licence_for

    assert "research / non-commercial" in licence_for("models/base/m3e-small")
    assert "non-commercial" not in licence_for("hfl/rbt3")


def test_model_card_warns_that_floors_picked_on_the_folds_flatter_the_cv_table(tmp_path):
    from ner.crossval import summarize
    from ner.evaluate import span_scores
    from ner.modelcard import write_model_card

    fold = span_scores([("d", Span(0, 2, "ORG"))], [("d", Span(0, 2, "ORG"))])
    metrics = {"cv": summarize({"d": fold})}
    write_model_card(tmp_path, TrainConfig(), metrics, "1 document")
    assert "| mean of 1 |" in (tmp_path / "README.md").read_text() and "flatters" not in (tmp_path / "README.md").read_text()
    write_model_card(tmp_path, TrainConfig(min_entity_score={"ORG": 0.8}), metrics, "1 document")
    assert "floors picked on the other folds only" in (tmp_path / "README.md").read_text()
