"""Export a trained model directory to an ONNX inference bundle, and check the export.

The bundle holds `model.onnx` (fp32, transformer ops fused by onnxruntime's optimiser),
`model.int8.onnx` (dynamic int8 quantization), the tokenizer, `labels.json`, the model card,
`verification.json` and a `manifest.json` with every file's sha256.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from .bundle import read_manifest, write_manifest
from .config import TrainConfig
from .entity import Document
from .known_names import FILE as KNOWN_NAMES_FILE
from .labels import LABELS
from .modelcard import write_model_card

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
PARITY_LIMIT = 1e-4


def export_onnx(model, path: Path, opset: int = 17) -> None:
    """Trace the PyTorch model to ONNX with dynamic batch and sequence axes."""
    import torch

    ids = torch.randint(106, 7000, (2, 16), dtype=torch.long)
    mask = torch.ones_like(ids)
    # The eager attention graph is the pattern onnxruntime's optimiser fuses into one Attention
    # op (QAttention after quantization); with SDPA the masking (IsNaN/Where) and the attention
    # MatMuls stay unfused (see scripts/profile_onnx.py for the per-operator split).
    model.set_attn_implementation("eager")
    model.eval()
    with torch.inference_mode():
        torch.onnx.export(
            model,
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in ("input_ids", "attention_mask", "logits")},
            opset_version=opset,
            dynamo=False,
        )


def optimize(src: Path, dst: Path, config) -> None:
    """Fuse attention, LayerNorm and GELU with onnxruntime's transformer optimiser (still fp32)."""
    from onnxruntime.transformers.optimizer import optimize_model

    opt = optimize_model(
        str(src), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size, opt_level=1
    )
    opt.save_model_to_file(str(dst))


def quantize(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-tensor scales: per-channel int8 cost 11 points of exact-span F1 on the gold documents
    # (agreement with fp32 0.78), per-tensor matches fp32 (scripts/compare_quantization.py).
    # The fused contrib ops carry no inferred output types; they are all float.
    quantize_dynamic(
        str(src), str(dst), weight_type=QuantType.QInt8, per_channel=False,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def parity(model, onnx_path: Path, tokenizer, texts: Sequence[str]) -> float:
    """Max absolute difference between PyTorch and ONNX logits on real windows."""
    import onnxruntime as ort
    import torch

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    enc = tokenizer(list(texts), truncation=True, max_length=128, padding=True, return_tensors="np")
    ids, mask = enc["input_ids"].astype(np.int64), enc["attention_mask"].astype(np.int64)
    with torch.inference_mode():
        ref = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy()
    got = session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
    valid = mask.astype(bool)
    return float(np.abs(ref - got)[valid].max())


def agreement(bundle: Path, docs: Sequence[Document]) -> dict:
    """Entity-level agreement of int8 with fp32 on documents: F1 of int8 taking fp32 as reference,
    and each precision's exact-span F1 against the gold labels (each model runs once)."""
    from .entity import Span
    from .evaluate import span_scores
    from .inference import Extractor

    texts = [d.text for d in docs]
    gold = [(i, s) for i, d in enumerate(docs) for s in d.spans]
    pred = {}
    for precision in ("fp32", "int8"):
        batches = Extractor(bundle, precision=precision, verify=False).tagger.extract_batch(texts)
        pred[precision] = [(i, Span(e.start, e.end, e.label)) for i, ents in enumerate(batches) for e in ents]
    ref, got = pred["fp32"], pred["int8"]
    return {
        "documents": [d.id for d in docs],
        "int8_vs_fp32_f1": span_scores(ref, got)["overall"]["f1"] if ref or got else 1.0,
        "fp32_gold_f1": span_scores(gold, ref)["overall"]["f1"],
        "int8_gold_f1": span_scores(gold, got)["overall"]["f1"],
    }


def export_bundle(
    model_dir: str | Path,
    out: str | Path,
    check_docs: Sequence[Document] = (),
    keep_fp32: bool = True,
    cv_folds: dict | None = None,
    settings: TrainConfig | None = None,
) -> dict:
    """Export, optimise, quantise, verify and write the bundle; returns the verification report.

    The bundle's model card is written anew with the verification and, when given, the
    per-fold cross-validation scores of the recipe (`ner cv --out` results). `settings`, a config
    of the model's own training recipe, replaces the settings that need no training (decoding,
    span rules, score floors, known names), so that floors re-picked after training ship without
    retraining; a config of another recipe is refused.
    """
    from .train import load_model

    model_dir, out = Path(model_dir), Path(out)
    model, tokenizer, cfg = load_model(model_dir)
    if settings is not None:
        trained, wanted = cfg.training_settings(), settings.training_settings()
        if differ := sorted(k for k in wanted if wanted[k] != trained.get(k)):
            raise ValueError(
                f"{model_dir} was trained with another recipe (differs in {', '.join(differ)}); "
                "only settings that need no training can change at export: retrain with that config"
            )
        cfg = settings
    if cfg.keep_known_names and not (model_dir / KNOWN_NAMES_FILE).exists():
        raise ValueError(f"{model_dir}: keep_known_names is set but the model has no {KNOWN_NAMES_FILE} (retrain it)")
    if out.exists() and any(out.iterdir()):
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.onnx"
        export_onnx(model, raw)
        optimize(raw, out / "model.onnx", model.config)
    quantize(out / "model.onnx", out / "model.int8.onnx")
    tokenizer.save_pretrained(out)
    for name in TOKENIZER_FILES:
        if (model_dir / name).exists() and not (out / name).exists():
            shutil.copy(model_dir / name, out / name)
    for name in ("labels.json", "metrics.json", KNOWN_NAMES_FILE):
        if (model_dir / name).exists():
            shutil.copy(model_dir / name, out / name)
    cfg.to_yaml(out / "train_config.yaml")
    sample = [d.text[:300] for d in check_docs[:8]] or ["实现地区生产总值150.06亿元，同比增长18.46%。"]
    report = {"max_abs_logit_diff": parity(model, out / "model.onnx", tokenizer, sample)}
    if report["max_abs_logit_diff"] >= PARITY_LIMIT:
        raise RuntimeError(f"ONNX logits differ from PyTorch by {report['max_abs_logit_diff']:.2e} (limit {PARITY_LIMIT})")
    tags = [model.config.id2label[i] for i in range(model.config.num_labels)]
    settings = {
        "tags": tags, "labels": list(LABELS), "max_length": cfg.max_length, "overlap": cfg.max_length // 4,
        "decoding": cfg.decoding, "min_entity_chars": cfg.min_entity_chars, "span_rules": cfg.span_rules,
        "min_entity_score": cfg.min_entity_score, "valued_metric_score": cfg.valued_metric_score,
        "keep_known_names": cfg.keep_known_names,
    }
    write_manifest(out, settings)  # provisional, so that the agreement check can load the bundle
    if check_docs:
        report.update(agreement(out, check_docs))
    if not keep_fp32:
        (out / "model.onnx").unlink()
    (out / "verification.json").write_text(json.dumps(report, indent=2))
    _write_card(out, cfg, report, cv_folds)
    write_manifest(out, settings)
    return report


def refresh_card(bundle: str | Path, cv_folds: dict) -> None:
    """Rewrite an exported bundle's model card with new cross-validation results, and re-hash the
    bundle. For a change of span rules, which are code: the weights, settings and verification of
    the bundle stay, so it needs no retraining or export."""
    bundle = Path(bundle)
    manifest = read_manifest(bundle)  # refuses a bundle whose files were changed by hand
    report = json.loads((bundle / "verification.json").read_text(encoding="utf-8"))
    _write_card(bundle, TrainConfig.from_yaml(bundle / "train_config.yaml"), report, cv_folds)
    write_manifest(bundle, {k: v for k, v in manifest.items() if k not in ("format", "files")})


def _write_card(out: Path, cfg: TrainConfig, report: dict, cv_folds: dict | None) -> None:
    metrics = json.loads((out / "metrics.json").read_text()) if (out / "metrics.json").exists() else {}
    metrics["verification"] = report
    if cv_folds:
        metrics["cv"] = {"folds": cv_folds}
    data = metrics.get("data") or f"{len(metrics.get('train_documents', []))} gold documents: " + ", ".join(metrics.get("train_documents", []))
    write_model_card(out, cfg, metrics, data)
