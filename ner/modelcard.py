"""The model card (README.md) written next to every trained model and bundle."""

from __future__ import annotations

from pathlib import Path

from .config import TrainConfig

LICENCE = (
    "Derived from moka-ai/m3e-small, which is released for research / non-commercial use only; "
    "this model inherits that licence. Train from another base (configs/bert-base-chinese.yaml, "
    "configs/chinese-roberta-wwm-ext.yaml, configs/rbt3.yaml) for commercial use."
)


def licence_for(base_model: str) -> str:
    if "m3e" in base_model:
        return LICENCE
    return f"Inherits the licence of the base model {base_model}."


def _score_table(scores: dict) -> list[str]:
    rows = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, s in scores.items():
        rows.append(f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {int(s['support'])} |")
    return rows


def write_model_card(out: Path, cfg: TrainConfig, metrics: dict, data_desc: str) -> None:
    lines = [
        "# Entity tagger for Chinese government work reports",
        "",
        "Token classification (IOB2) for METRIC, AMOUNT, GROWTH_RATE, PROJECT and ORG.",
        "",
        f"- Base model: `{cfg.base_model}`"
        + (f" (its first {cfg.encoder_layers} layers)" if cfg.encoder_layers else ""),
        f"- Data: {data_desc}",
        f"- Training documents: {len(metrics.get('train_documents', []))}; "
        f"dev documents: {', '.join(metrics.get('dev_documents', [])) or 'none'}",
        f"- Recipe: lr {cfg.learning_rate}, {cfg.epochs} epochs max, batch {cfg.batch_size}, "
        f"windows of {cfg.max_length} tokens, seed {cfg.seed}; {cfg.decoding} decoding, "
        f"entities of at least {cfg.min_entity_chars} character(s)"
        + (", guideline span rules" if cfg.span_rules else "")
        + (
            ", entities below a score of " + ", ".join(f"{v} ({k})" for k, v in cfg.min_entity_score.items()) + " dropped"
            if cfg.min_entity_score else ""
        )
        + (f", a METRIC right before its value kept from {cfg.valued_metric_score}" if cfg.valued_metric_score < 1.0 else "")
        + (" (names the training documents gave that label are kept below it)" if cfg.keep_known_names else "")
        + (f"; PROJECT/ORG names swapped with probability {cfg.substitute_probability}" if cfg.substitute_probability else "")
        + (
            f"; self-training on {cfg.self_training_chars:,} characters of `{cfg.self_training_corpus}` "
            f"(sentences sure to {cfg.self_training_min_confidence})" if cfg.self_training_corpus else ""
        )
        + (f"; also trained on the reviewed annotations of `{cfg.extra_training_data}`" if cfg.extra_training_data else ""),
        f"- Training time: {metrics.get('train_seconds', 0):.0f} s"
        + (f", peak memory {metrics['peak_rss_mb']:.0f} MB" if metrics.get("peak_rss_mb") else ""),
        "",
        "## Licence",
        "",
        licence_for(cfg.base_model),
        "",
    ]
    if metrics.get("dev"):
        lines += ["## Dev scores (exact character spans)", "", *_score_table(metrics["dev"]["span"]), ""]
    if metrics.get("cv"):
        from .crossval import summarize

        folds = metrics["cv"]["folds"]
        mean = summarize(folds)["mean_per_label_f1"]
        labels = ["METRIC", "AMOUNT", "GROWTH_RATE", "PROJECT", "ORG", "overall"]
        lines += [
            f"## Leave-one-document-out cross-validation ({len(folds)} held-out document(s), exact-span F1)",
            "",
            "Each row: a model trained with this recipe on every other gold document, scored on the held-out one.",
            "",
            "| held-out document | " + " | ".join(labels) + " |",
            "|---|" + "---|" * len(labels),
            *(f"| {doc} | " + " | ".join(f"{s[label]['f1']:.3f}" for label in labels) + " |" for doc, s in folds.items()),
            f"| mean of {len(folds)} | " + " | ".join(f"{mean[label]:.3f}" for label in labels) + " |",
            "",
        ]
        if cfg.min_entity_score:
            lines += [
                "If the score floors were picked on these same folds (`scripts/tune_score_floors.py`), this table"
                " flatters them a little: that script also reports each fold scored with floors picked on the"
                " other folds only.",
                "",
            ]
    if metrics.get("verification"):
        v = metrics["verification"]
        lines += [
            "## Export check",
            "",
            f"fp32 ONNX vs PyTorch max |logit difference| {v['max_abs_logit_diff']:.1e}."
            + (
                f" On {len(v['documents'])} gold document(s) (training data for a model trained on all of them):"
                f" exact-span F1 fp32 {v['fp32_gold_f1']:.3f}, int8 {v['int8_gold_f1']:.3f},"
                f" int8/fp32 agreement {v['int8_vs_fp32_f1']:.3f}."
                if "documents" in v else ""
            ),
            "",
        ]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")
