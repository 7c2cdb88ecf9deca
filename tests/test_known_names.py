"""Names the annotations gave a label are kept below the score floors: from documents, on disk, in a bundle."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import yaml

from ner.entity import Document, Entity, Span
from ner.known_names import fold_known_names, is_known, known_names, load_known_names, save_known_names
from ner.tagger import WindowedTagger, above_floors


def doc(text: str, *spans: tuple[str, str]) -> Document:
    return Document("d", text, [Span(text.index(t), text.index(t) + len(t), label) for t, label in spans])


def test_names_come_folded_from_gold_name_spans_only():
    d = doc("實現地區生產總值150億元，省委部署", ("地區生產總值", "METRIC"), ("150億元", "AMOUNT"), ("省委", "ORG"))
    names = known_names([d])
    assert names == {"METRIC": frozenset({"地区生产总值"}), "PROJECT": frozenset(), "ORG": frozenset({"省委"})}
    assert is_known(Entity(0, 6, "METRIC", "地区生产总值"), names)
    assert is_known(Entity(0, 6, "METRIC", "地區生產總值"), names)  # traditional text, same name
    assert not is_known(Entity(0, 2, "ORG", "地区"), names)
    assert not is_known(Entity(0, 2, "METRIC", "省委"), names)  # a name of another label


def test_a_fold_knows_the_names_of_every_document_but_the_held_out_one():
    a = Document("a", "省委部署", [Span(0, 2, "ORG")])
    b = Document("b", "市政府部署", [Span(0, 3, "ORG")])
    assert fold_known_names([a, b], "a")["ORG"] == frozenset({"市政府"})
    assert fold_known_names([a, b], "b")["ORG"] == frozenset({"省委"})
    assert fold_known_names([a, b], "neither")["ORG"] == frozenset({"省委", "市政府"})


def test_known_names_bypass_the_floor_of_their_label_only():
    names = {"METRIC": frozenset({"总投资"}), "ORG": frozenset({"党中央"})}
    ents = [Entity(0, 3, "METRIC", "总投资", 0.55), Entity(5, 8, "ORG", "总投资", 0.55), Entity(9, 12, "METRIC", "总收入", 0.55),
            Entity(13, 16, "ORG", "党中央", 0.99)]
    floors = {"METRIC": 0.95, "ORG": 0.75}
    assert [e.start for e in above_floors(ents, floors)] == [13]
    assert [e.start for e in above_floors(ents, floors, names)] == [0, 13]
    assert [e.start for e in above_floors(ents, {}, names)] == [0, 5, 9, 13]  # no floor: all kept anyway


def test_round_trip_and_a_malformed_file(tmp_path):
    names = {"METRIC": frozenset({"地区生产总值", "总投资"}), "PROJECT": frozenset(), "ORG": frozenset({"省委"})}
    save_known_names(names, tmp_path)
    assert load_known_names(tmp_path) == names
    assert load_known_names(tmp_path / "nowhere") == {}  # models made before known names
    (tmp_path / "known_names.json").write_text('{"METRIC": "地区生产总值"}', encoding="utf-8")
    with pytest.raises(ValueError, match="list of names"):
        load_known_names(tmp_path)
    (tmp_path / "known_names.json").write_bytes("{".encode("gb18030") + "地区".encode("gb18030"))
    with pytest.raises(ValueError, match="known_names.json: not a JSON file"):
        load_known_names(tmp_path)


def test_the_tagger_keeps_an_unsure_known_name(tokenizer):
    """省政府 comes out as an ORG of about 0.7: dropped by a 0.9 floor unless the annotations know the name."""
    tags = ["O", "B-ORG", "I-ORG"]
    vocab = tokenizer.get_vocab()

    def logits(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros((*ids.shape, len(tags)), dtype=np.float32)
        out[..., 0] = 9
        out[ids == vocab["省"]] = [0, 9, 0]
        out[ids == vocab["政"]] = [8.2, 0, 9]
        out[ids == vocab["府"]] = [8.2, 0, 9]
        return out

    tagger = WindowedTagger(tokenizer, tags, logits, max_length=32, overlap=8, decoding="viterbi", min_entity_score={"ORG": 0.9})
    assert tagger.tag(["省政府下达通知。"])[0].entities == []
    tagger.known_names = {"ORG": frozenset({"省政府"})}
    assert [e.text for e in tagger.tag(["省政府下达通知。"])[0].entities] == ["省政府"]


def test_a_bundle_keeps_the_names_of_its_training_documents(tiny_model, tmp_path):
    from ner.export import export_bundle
    from ner.inference import BundleError, Extractor

    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    cfg = yaml.safe_load((model / "train_config.yaml").read_text())
    (model / "train_config.yaml").write_text(yaml.safe_dump({**cfg, "keep_known_names": True}))
    with pytest.raises(ValueError, match="retrain"):  # set, but the model was trained before known names
        export_bundle(model, tmp_path / "bundle", [])
    save_known_names({"ORG": frozenset({"省政府"})}, model)
    export_bundle(model, tmp_path / "bundle", [])
    assert json.loads((tmp_path / "bundle" / "manifest.json").read_text())["keep_known_names"] is True
    assert Extractor(tmp_path / "bundle").tagger.known_names == {"ORG": frozenset({"省政府"})}
    (tmp_path / "bundle" / "known_names.json").write_text("[", encoding="utf-8")
    with pytest.raises(BundleError):  # the manifest's checksum, or else the JSON, refuses it
        Extractor(tmp_path / "bundle")
    with pytest.raises(BundleError, match="known_names.json"):
        Extractor(tmp_path / "bundle", verify=False)
