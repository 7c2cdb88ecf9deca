"""Shared fixtures: a tiny randomly initialised BERT on the real 21,128-token Chinese vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER = ROOT / "tests" / "data" / "tokenizer"
SEED_EXPORT = ROOT / "annotations" / "seeds.json"


def build_tiny_model(out: Path, seed: int = 0) -> Path:
    """Save a 2-layer, 32-wide BERT token classifier (random weights) as a trained model directory."""
    import torch
    import yaml
    from transformers import AutoTokenizer, BertConfig, BertForTokenClassification

    from ner.config import TrainConfig
    from ner.labels import LABELS, bio_tags

    torch.manual_seed(seed)
    tags = bio_tags()
    config = BertConfig(
        vocab_size=21128, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=512, num_labels=len(tags),
        id2label=dict(enumerate(tags)), label2id={t: i for i, t in enumerate(tags)},
    )
    model = BertForTokenClassification(config)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(TOKENIZER).save_pretrained(out)
    cfg = TrainConfig(base_model=str(out), max_length=64, overlap=8, epochs=1, batch_size=4, dev_docs=0)
    (out / "train_config.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    (out / "labels.json").write_text(str(list(LABELS)).replace("'", '"'))
    return out


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def tiny_bundle(tiny_model, tmp_path_factory) -> Path:
    from ner.export import export_bundle
    from ner.labelstudio import load_documents

    out = tmp_path_factory.mktemp("bundle") / "tiny-onnx"
    export_bundle(tiny_model, out, load_documents(SEED_EXPORT)[:1])
    return out


@pytest.fixture(scope="session")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(TOKENIZER)


@pytest.fixture(scope="session")
def gold_docs():
    from ner.labelstudio import load_documents

    return load_documents(ROOT / "annotations")


@pytest.fixture(scope="session")
def load_script():
    """Import a file of scripts/ by name (scripts are not a package), e.g. load_script("eval_records")."""
    import importlib.util

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
