"""Leave-one-document-out cross-validation: the honest estimate while the corpus is small."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from .config import TrainConfig
from .entity import Document, Span
from .evaluate import span_scores
from .labels import LABELS
from .train import torch_tagger, train


def cross_validate(
    cfg: TrainConfig,
    docs: Sequence[Document],
    only: Sequence[str] | None = None,
    progress: bool = True,
    on_fold: Callable[[str, dict], None] | None = None,
) -> dict:
    """Train once per held-out document (fixed epochs, no dev split) and score the held-out one.

    Returns per-fold span scores, the pooled (micro) scores over all held-out spans and the mean
    of the per-fold overall and per-label F1.
    """
    fold_cfg = replace(cfg, dev_docs=0)
    folds, gold, pred = {}, [], []
    for held in docs:
        if only and held.id not in only:
            continue
        rest = [d for d in docs if d.id != held.id]
        result = train(fold_cfg, rest, dev=[], progress=progress)
        tagged = torch_tagger(result.model, result.tokenizer, fold_cfg).tag([held.text])[0]
        fold_gold = [(held.id, s) for s in held.spans]
        fold_pred = [(held.id, Span(e.start, e.end, e.label)) for e in tagged.entities]
        scores = span_scores(fold_gold, fold_pred)
        scores["seconds"] = round(result.seconds, 1)
        scores["peak_rss_mb"] = round(result.peak_rss_mb)
        folds[held.id] = scores
        gold += fold_gold
        pred += fold_pred
        if on_fold:
            on_fold(held.id, scores)
    labels = [*LABELS, "overall"]
    mean = {}
    for label in labels:  # folds where a label is neither gold nor predicted say nothing about it
        seen = [f[label]["f1"] for f in folds.values() if f[label]["support"] or f[label]["predicted"]]
        mean[label] = sum(seen) / len(seen) if seen else 0.0
    return {
        "folds": folds,
        "pooled": span_scores(gold, pred),
        "mean_f1": mean.get("overall", 0.0),
        "mean_per_label_f1": mean,
    }
