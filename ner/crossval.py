"""Leave-one-document-out cross-validation: the honest estimate while the corpus is small.

One fold costs tens of minutes on a CPU, so a run can be spread over several sessions: every
finished fold is handed to `on_fold` (the CLI appends it to a journal), and `done` folds from
an earlier run of the same recipe are counted without retraining.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .config import TrainConfig
from .entity import Document, Span
from .evaluate import prf, span_scores
from .labels import LABELS
from .known_names import fold_known_names
from .tagger import above_floors


def cross_validate(
    cfg: TrainConfig,
    docs: Sequence[Document],
    only: Sequence[str] | None = None,
    progress: bool = True,
    on_fold: Callable[[str, dict], None] | None = None,
    done: Mapping[str, dict] | None = None,
    save_models: str | Path | None = None,
    extra: Callable[[Document], Sequence[Document]] | None = None,
) -> dict:
    """Train once per held-out document (fixed epochs, no dev split) and score the held-out one.

    Folds in `done` are taken as they are. Each new fold records its predicted spans, and its
    candidates: every entity with its score before the score floors, so floors can be picked
    from the journal alone (scripts/tune_score_floors.py --journal). With
    `save_models`, each fold's model is kept in `save_models/<document id>/`, and a fold whose
    model is already there (same training settings, same training documents) is scored without
    retraining, so a change of decoding costs no training. `extra(held)` gives training-only
    documents for the fold holding out `held` (self-training data from that fold's teacher); they
    are never scored. Returns `summarize` of all folds.
    """
    from .train import load_model, save_model, torch_tagger, train  # torch: only when folds are run

    fold_cfg = replace(cfg, dev_docs=0)
    folds = {d.id: dict(done[d.id]) for d in docs if done and d.id in done}
    for held in docs:
        if held.id in folds or (only and held.id not in only):
            continue
        added = list(extra(held)) if extra else []
        rest = [d for d in docs if d.id != held.id]
        saved = Path(save_models) / held.id if save_models else None
        meta = _saved_fold_metrics(saved, fold_cfg, rest + added) if saved else None
        if meta:
            model, tokenizer, _ = load_model(saved)
            seconds, peak = meta["train_seconds"], meta["peak_rss_mb"]
        else:
            result = train(fold_cfg, rest, dev=[], progress=progress, extra=added)
            model, tokenizer, seconds, peak = result.model, result.tokenizer, result.seconds, result.peak_rss_mb
            if saved:
                more = f" and {len(added)} training-only documents" if added else ""
                save_model(result, saved, f"{len(rest)} gold documents{more} (fold holding out {held.id})")
        candidates = torch_tagger(model, tokenizer, replace(fold_cfg, min_entity_score={})).tag([held.text])[0].entities
        known = fold_known_names(docs, held.id) if fold_cfg.keep_known_names else None
        entities = above_floors(candidates, fold_cfg.min_entity_score, known, held.text, fold_cfg.valued_metric_score)
        scores = span_scores([(held.id, s) for s in held.spans], [(held.id, Span(e.start, e.end, e.label)) for e in entities])
        scores["seconds"] = round(seconds, 1)
        scores["peak_rss_mb"] = round(peak)
        if added:
            scores["training_only_documents"] = len(added)
        scores["predictions"] = [[e.start, e.end, e.label] for e in entities]
        scores["candidates"] = [[e.start, e.end, e.label, e.score] for e in candidates]  # before floors: tune_score_floors
        folds[held.id] = scores
        if on_fold:
            on_fold(held.id, scores)
    return summarize(folds)


def _saved_fold_metrics(model_dir: Path, cfg: TrainConfig, docs: Sequence[Document]) -> dict | None:
    """The metrics of a saved fold model trained with these settings on exactly these documents, else None."""
    try:
        ran = TrainConfig.from_yaml(model_dir / "train_config.yaml")
        meta = json.loads((model_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (
        (model_dir / "model.safetensors").exists()
        and ran.training_settings() == cfg.training_settings()
        and sorted(meta.get("train_documents", [])) == sorted(d.id for d in docs)
    )
    return meta if same else None


def saved_folds(directory: str | Path, docs: Sequence[Document]) -> list[tuple[Path, Document]]:
    """Fold models of `ner cv --save-models DIR`, each with the document it held out."""
    by_id = {d.id: d for d in docs}
    pairs = []
    for model_dir in sorted(p for p in Path(directory).iterdir() if (p / "model.safetensors").exists()):
        if model_dir.name not in by_id:
            raise ValueError(f"{model_dir}: holds out {model_dir.name!r}, which is not a document of the data")
        pairs.append((model_dir, by_id[model_dir.name]))
    return pairs


def read_folds(path: str | Path) -> dict[str, dict]:
    """Per-fold scores from `ner cv --out X.json`, or from its journal X.partial.jsonl (also while it runs)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.name.endswith(".jsonl"):
        return {k: v for line in text.splitlines() if line.strip() for k, v in json.loads(line).items()}
    return json.loads(text)["folds"]


def summary_table(summaries: Mapping[str, dict], first_column: str, width: int = 30) -> str:
    """One row per `summarize` result: mean per-fold F1 of each label and overall, then pooled overall F1."""
    cols = [*LABELS, "overall"]
    lines = [f"{first_column:<{width}} " + " ".join(f"{c[:11]:>11}" for c in cols) + f" {'pooled':>8}"]
    for name, s in summaries.items():
        means = " ".join(f"{s['mean_per_label_f1'][c]:>11.3f}" for c in cols)
        lines.append(f"{name[-width:]:<{width}} {means} {s['pooled']['overall']['f1']:>8.3f}")
    return "\n".join(lines)


def informative(scores: Mapping) -> bool:
    """Whether a label's scores in one fold say anything: it was gold or predicted there."""
    return bool(scores["support"] or scores["predicted"])


def summarize(folds: Mapping[str, dict]) -> dict:
    """Pooled (micro) scores over all held-out spans, and the mean of the per-fold F1.

    Pooling uses each fold's counts (true positives = precision × predicted), so folds run in
    different sessions combine exactly. The mean per label skips folds where that label is
    neither gold nor predicted: they say nothing about it.
    """
    pooled = {}
    for label in [*LABELS, "overall"]:
        tp = sum(round(f[label]["precision"] * f[label]["predicted"]) for f in folds.values())
        n_pred = sum(int(f[label]["predicted"]) for f in folds.values())
        n_gold = sum(int(f[label]["support"]) for f in folds.values())
        pooled[label] = prf(tp, n_pred, n_gold)
    mean = {}
    for label in [*LABELS, "overall"]:
        seen = [f[label]["f1"] for f in folds.values() if informative(f[label])]
        mean[label] = sum(seen) / len(seen) if seen else 0.0
    return {"folds": dict(folds), "pooled": pooled, "mean_f1": mean["overall"], "mean_per_label_f1": mean}
