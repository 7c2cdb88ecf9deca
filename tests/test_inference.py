"""Export → bundle → Extractor on the tiny model: parity, tamper detection, windows, any input."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ner.bundle import BundleError
from ner.entity import Entity
from ner.inference import Extractor
from ner.tagger import WindowedTagger


@pytest.fixture(scope="module")
def extractor(tiny_bundle):
    return Extractor(tiny_bundle, threads=1)


def test_bundle_contents_and_verification(tiny_bundle):
    manifest = json.loads((tiny_bundle / "manifest.json").read_text())
    for name in ("model.onnx", "model.int8.onnx", "tokenizer.json", "labels.json", "README.md", "verification.json"):
        assert name in manifest["files"], name
    report = json.loads((tiny_bundle / "verification.json").read_text())
    assert report["max_abs_logit_diff"] < 1e-4
    assert 0.0 <= report["int8_vs_fp32_f1"] <= 1.0


def test_export_fuses_attention_into_single_ops(tiny_bundle):
    import onnx

    fp32 = [n.op_type for n in onnx.load(str(tiny_bundle / "model.onnx")).graph.node]
    int8 = [n.op_type for n in onnx.load(str(tiny_bundle / "model.int8.onnx")).graph.node]
    layers = 2  # the tiny test model
    assert fp32.count("Attention") == layers and "Softmax" not in fp32, sorted(set(fp32))
    assert int8.count("QAttention") == layers and "MatMulInteger" in int8, sorted(set(int8))


def test_bundle_carries_the_recipe_decoding(tiny_bundle):
    manifest = json.loads((tiny_bundle / "manifest.json").read_text())
    assert manifest["decoding"] == "viterbi-words" and manifest["min_entity_chars"] == 2
    tagger = Extractor(tiny_bundle).tagger
    assert tagger.decoding == "viterbi-words" and tagger.min_entity_chars == 2


def test_bundles_made_before_the_decoding_settings_fall_back_to_argmax(tiny_bundle, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(tiny_bundle, old)
    manifest = json.loads((old / "manifest.json").read_text())
    for key in ("decoding", "min_entity_chars", "span_rules", "min_entity_score"):
        del manifest[key]
    (old / "manifest.json").write_text(json.dumps(manifest))
    tagger = Extractor(old).tagger
    assert (tagger.decoding, tagger.min_entity_chars, tagger.span_rules, tagger.min_entity_score) == ("argmax", 1, False, {})
    assert Extractor(tiny_bundle).tagger.span_rules is True


def test_round_trip_extracts_entities_that_point_into_the_text(extractor):
    text = "实现地区生产总值150.06亿元，同比增长18.46%。公牛集团总部研发大楼项目开工。" * 3
    entities = extractor.extract(text)
    assert entities, "a random tiny model still tags something"
    for e in entities:
        assert isinstance(e, Entity) and text[e.start : e.end] == e.text and 0 < e.score <= 1


def test_fp32_and_int8_both_load(tiny_bundle):
    text = "工业总产值384.2亿元"
    assert Extractor(tiny_bundle, precision="fp32").model_file == "model.onnx"
    assert Extractor(tiny_bundle, precision="int8").model_file == "model.int8.onnx"
    with pytest.raises(ValueError):
        Extractor(tiny_bundle, precision="fp16")
    assert isinstance(Extractor(tiny_bundle).extract(text), list)


def test_tampered_bundle_is_refused(tiny_bundle, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_bundle, copy)
    with (copy / "model.int8.onnx").open("r+b") as f:
        f.seek(2000)
        byte = f.read(1)
        f.seek(2000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(BundleError, match="model.int8.onnx does not match"):
        Extractor(copy)
    (copy / "labels.json").unlink()
    with pytest.raises(BundleError, match="labels.json is missing"):
        Extractor(copy)
    (copy / "manifest.json").unlink()
    with pytest.raises(BundleError, match="no manifest.json"):
        Extractor(copy)


@pytest.mark.parametrize("text", ["", " ", "\n\n", "年"])
def test_empty_and_tiny_inputs(extractor, text):
    entities = extractor.extract(text)
    assert all(text[e.start : e.end] == e.text for e in entities)
    if not text.strip():
        assert entities == []


def test_huge_input(extractor):
    text = ("全年实现地区生产总值150.06亿元，同比增长18.46%。\n" * 8000)[:200_000]
    entities = extractor.extract(text)
    assert all(text[e.start : e.end] == e.text for e in entities)
    assert all(a.end <= b.start for a, b in zip(entities, entities[1:]))


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_a_texts_entities_do_not_depend_on_the_other_texts_of_a_batch(tiny_bundle, precision):
    # int8 quantizes activations with one scale per batch: windows of other texts must not share it
    extractor = Extractor(tiny_bundle, precision=precision, threads=1, min_entity_score={})
    texts = ["规上工业总产值216.4亿元", "", "同比增长30.8%和32.1%。" * 40, "镇财政总收入3.2亿元，" * 5]
    batched = extractor.tagger.probabilities(texts, batch_size=4)
    for text, (enc, probs) in zip(texts, batched):
        [(alone_enc, alone)] = extractor.tagger.probabilities([text], batch_size=4)
        assert enc.ids == alone_enc.ids and np.array_equal(probs, alone), text[:10]
    assert extractor.extract_batch(texts) == [extractor.extract(t) for t in texts]
    with pytest.raises(TypeError):
        extractor.extract_batch("not a list")


def test_pdf_style_text_with_newlines_and_full_width(extractor):
    text = "地区生产\n总值１５０．０６亿元，同\r\n比增长１８．４６％"
    assert all(text[e.start : e.end] == e.text for e in extractor.extract(text))


def test_traditional_text_is_tagged_as_its_simplified_form(extractor):
    traditional = "全年實現地區生產總值58億元，同比增長2.8%；園區8家企業超50畝用地，為300余戶低收入農戶服務"
    simplified = "全年实现地区生产总值58亿元，同比增长2.8%；园区8家企业超50亩用地，为300余户低收入农户服务"
    a, b = extractor.extract(traditional), extractor.extract(simplified)
    assert a, "the tiny model tags something here, so the comparison says something"
    assert [(e.start, e.end, e.label) for e in a] == [(e.start, e.end, e.label) for e in b]
    assert all(traditional[e.start : e.end] == e.text for e in a)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_offsets_hold_on_arbitrary_unicode(extractor, text):
    for e in extractor.extract(text):
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start : e.end] == e.text


def _digit_tagger(tokenizer, max_length, units: str = ""):
    """A 'model' that tags runs of digit tokens, and a unit of `units` right after one, as AMOUNT using
    only the context inside its window, so a window that starts inside a number would see a fresh B- there."""
    tags = ["O", "B-AMOUNT", "I-AMOUNT"]
    vocab = tokenizer.get_vocab()
    digit_ids = {i for t, i in vocab.items() if t.strip("#").isdigit()}
    unit_ids = {vocab[u] for u in units}

    def logits(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros((*ids.shape, 3), dtype=np.float32)
        for r in range(ids.shape[0]):
            for c in range(ids.shape[1]):
                after_digit = c > 1 and ids[r, c - 1] in digit_ids
                if ids[r, c] in digit_ids:
                    out[r, c, 2 if after_digit else 1] = 10
                elif ids[r, c] in unit_ids and after_digit:
                    out[r, c, 2] = 10
                else:
                    out[r, c, 0] = 10
        return out

    return WindowedTagger(tokenizer, tags, logits, max_length=max_length, overlap=12)


def test_entity_across_a_window_boundary_comes_out_once_and_whole(tokenizer):
    tagger = _digit_tagger(tokenizer, max_length=32)
    # 40 characters of filler, then a 1-character-per-token number that straddles the first cut
    number = " ".join("1234567890")
    text = "年" * 25 + number + "年" * 25
    (tagged,) = tagger.tag([text])
    amounts = [e for e in tagged.entities if e.label == "AMOUNT"]
    assert [(e.start, e.end) for e in amounts] == [(25, 25 + len(number))]


def test_entities_shorter_than_the_minimum_are_dropped(tokenizer):
    tagger = _digit_tagger(tokenizer, max_length=32)
    text = "增长7倍，达到12万元"  # digits are the tagger's entities: "7" (1 char) and "12" (2 chars)
    assert [e.text for e in tagger.tag([text])[0].entities] == ["7", "12"]
    tagger.min_entity_chars = 2
    assert [e.text for e in tagger.tag([text])[0].entities] == ["12"]


def test_span_rules_run_after_decoding_when_the_tagger_has_them(tokenizer):
    tagger = _digit_tagger(tokenizer, max_length=32, units="家")
    text = "居第12位，用时36天，共12家，热线96178"  # an ordinal, a time, an amount and a bare number
    assert [e.text for e in tagger.tag([text])[0].entities] == ["12", "36", "12家", "96178"]
    tagger.span_rules = True
    assert [(e.start, e.text) for e in tagger.tag([text])[0].entities] == [(text.rindex("12"), "12家")]


def test_viterbi_words_gives_whole_words_to_names(tokenizer):
    """A 'model' sure of 省政 as ORG and unsure of 府: plain Viterbi cuts the word 省政府, viterbi-words does not."""
    tags = ["O", "B-ORG", "I-ORG"]
    vocab = tokenizer.get_vocab()
    sheng, zheng, fu = vocab["省"], vocab["政"], vocab["府"]

    def logits(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros((*ids.shape, 3), dtype=np.float32)
        out[..., 0] = 5
        out[ids == sheng] = [0, 5, 0]
        out[ids == zheng] = [0, 0, 5]
        out[ids == fu] = [1.0, 0, 0.5]  # O more likely than I-ORG
        return out

    text = "省政府印发通知。"
    tagger = WindowedTagger(tokenizer, tags, logits, max_length=32, overlap=8, decoding="viterbi")
    assert [e.text for e in tagger.tag([text])[0].entities] == ["省政"]
    tagger.decoding = "viterbi-words"
    assert [(e.start, e.text) for e in tagger.tag([text])[0].entities] == [(0, "省政府")]


def test_score_floors_drop_unsure_entities_of_their_label_only(tokenizer):
    """省政府 comes out as ORG with a mean tag probability of about 0.70; 12万元 as a sure AMOUNT."""
    tags = ["O", "B-ORG", "I-ORG", "B-AMOUNT", "I-AMOUNT"]
    vocab = tokenizer.get_vocab()
    sure = {vocab["省"]: 1, vocab["政"]: 2, vocab["府"]: 2, vocab["12"]: 3, vocab["万"]: 4, vocab["元"]: 4}

    def logits(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros((*ids.shape, len(tags)), dtype=np.float32)
        out[..., 0] = 9
        for token, tag in sure.items():
            out[ids == token] = 0
            out[ids == token, tag] = 9
        out[ids == vocab["政"], 0] = 8.2  # I-ORG only about 0.69 here
        out[ids == vocab["府"], 0] = 8.2
        return out

    text = "省政府下达12万元。"
    tagger = WindowedTagger(tokenizer, tags, logits, max_length=32, overlap=8, decoding="viterbi")
    found = {e.label: e.score for e in tagger.tag([text])[0].entities}
    assert set(found) == {"ORG", "AMOUNT"} and 0.7 < found["ORG"] < 0.85 and found["AMOUNT"] > 0.99, found
    tagger.min_entity_score = {"ORG": 0.9}
    assert [e.text for e in tagger.tag([text])[0].entities] == ["12万元"]
    tagger.min_entity_score = {"ORG": 0.7, "AMOUNT": 0.99}
    assert [e.text for e in tagger.tag([text])[0].entities] == ["省政府", "12万元"]


def test_an_indicator_right_before_its_value_has_its_own_floor():
    from ner.tagger import above_floors

    text = "地区生产总值150亿元，签约率达97.6%，产值和税收增长5%，财政收入保持稳定。"

    def ent(piece: str, label: str, score: float) -> Entity:
        start = text.index(piece)
        return Entity(start, start + len(piece), label, piece, score)

    ents = [ent("地区生产总值", "METRIC", 0.9), ent("150亿元", "AMOUNT", 0.99), ent("签约率", "METRIC", 0.85),
            ent("97.6%", "AMOUNT", 0.5), ent("产值", "METRIC", 0.9), ent("增长5%", "GROWTH_RATE", 0.99),
            ent("财政收入", "METRIC", 0.9)]
    floors = {"METRIC": 0.95}
    assert [e.text for e in above_floors(ents, floors, text=text)] == ["150亿元", "97.6%", "增长5%"]  # 1.0: no exception
    kept = [e.text for e in above_floors(ents, floors, text=text, valued_metric_score=0.8) if e.label == "METRIC"]
    # a value right after, or after a linking verb only (达), at any score; 产值 is not right before 增长5%
    assert kept == ["地区生产总值", "签约率"]
    assert [e.text for e in above_floors(ents, floors, text=text, valued_metric_score=0.88) if e.label == "METRIC"] == ["地区生产总值"]


def test_bundle_carries_the_score_floors(tiny_model, tmp_path):
    import yaml

    from ner.export import export_bundle

    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    cfg = yaml.safe_load((model / "train_config.yaml").read_text())
    (model / "train_config.yaml").write_text(yaml.safe_dump({**cfg, "min_entity_score": {"ORG": 0.8}}))
    export_bundle(model, tmp_path / "bundle", [])
    assert json.loads((tmp_path / "bundle" / "manifest.json").read_text())["min_entity_score"] == {"ORG": 0.8}
    assert Extractor(tmp_path / "bundle").tagger.min_entity_score == {"ORG": 0.8}
    assert Extractor(tmp_path / "bundle", min_entity_score={}).tagger.min_entity_score == {}
    # the labelling loop (ner studio push / backend) shows annotators every entity, unsure ones too
    from ner.cli import _extractor

    assert _extractor(str(tmp_path / "bundle")).tagger.min_entity_score == {}
    assert "entities below a score of 0.8 (ORG) dropped" in (tmp_path / "bundle" / "README.md").read_text()


def test_export_takes_new_floors_from_the_models_own_recipe(tiny_model, tmp_path):
    from dataclasses import replace

    from ner.config import TrainConfig
    from ner.export import export_bundle

    trained = TrainConfig.from_yaml(tiny_model / "train_config.yaml")
    refloored = replace(trained, min_entity_score={"AMOUNT": 0.65}, valued_metric_score=0.8, span_rules=not trained.span_rules)
    export_bundle(tiny_model, tmp_path / "bundle", [], settings=refloored)
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
    assert manifest["min_entity_score"] == {"AMOUNT": 0.65} and manifest["span_rules"] is refloored.span_rules
    assert TrainConfig.from_yaml(tmp_path / "bundle" / "train_config.yaml") == refloored  # what ships is what the card says
    tagger = Extractor(tmp_path / "bundle").tagger
    assert tagger.min_entity_score == {"AMOUNT": 0.65} and tagger.valued_metric_score == 0.8
    assert "a METRIC right before its value kept from 0.8" in (tmp_path / "bundle" / "README.md").read_text()
    with pytest.raises(ValueError, match="differs in learning_rate"):  # other weights: that needs training
        export_bundle(tiny_model, tmp_path / "other", [], settings=replace(refloored, learning_rate=1e-3))
