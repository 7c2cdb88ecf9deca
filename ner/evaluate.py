"""Scores: exact character-span P/R/F1 (the number we quote) and seqeval's strict IOB2 report."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

from .align import spans_to_tags
from .entity import Document, Span
from .labels import LABELS
from .tagger import WindowedTagger


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "support": n_gold, "predicted": n_pred}


def span_scores(
    gold: Iterable[tuple[str, Span]], pred: Iterable[tuple[str, Span]], labels: Sequence[str] = LABELS
) -> dict[str, dict[str, float]]:
    """Exact-match scores over (document id, span) pairs, per label and micro-averaged."""
    gold, pred = set(gold), set(pred)
    tp = Counter(s.label for _, s in gold & pred)
    ng = Counter(s.label for _, s in gold)
    npred = Counter(s.label for _, s in pred)
    out = {label: prf(tp[label], npred[label], ng[label]) for label in labels}
    out["overall"] = prf(sum(tp.values()), sum(npred.values()), sum(ng.values()))
    return out


def evaluate(tagger: WindowedTagger, docs: Sequence[Document], labels: Sequence[str] = LABELS) -> dict:
    """Run the tagger over gold documents and score it both ways."""
    tagged = tagger.tag([d.text for d in docs])
    gold = [(d.id, s) for d in docs for s in d.spans]
    pred = [(d.id, Span(e.start, e.end, e.label)) for d, t in zip(docs, tagged) for e in t.entities]
    y_true = [spans_to_tags(t.offsets, d.spans) for d, t in zip(docs, tagged)]
    y_pred = [t.tags for t in tagged]
    return {
        "span": span_scores(gold, pred, labels),
        "seqeval": seqeval_scores(y_true, y_pred),
        "documents": len(docs),
    }


def seqeval_scores(y_true: list[list[str]], y_pred: list[list[str]]) -> dict[str, dict[str, float]]:
    from seqeval.metrics import classification_report  # pulls in scikit-learn (seconds): import when used
    from seqeval.scheme import IOB2

    report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)

    def row(d: dict) -> dict[str, float]:
        return {"precision": float(d["precision"]), "recall": float(d["recall"]), "f1": float(d["f1-score"]), "support": int(d["support"])}

    out = {k: row(d) for k, d in report.items() if k in LABELS}
    out["overall"] = row(report["micro avg"])
    return out


def format_table(scores: dict[str, dict[str, float]], title: str = "") -> str:
    """A fixed-width table a person can read: one row per label, then overall."""
    lines = [title] if title else []
    lines.append(f"{'label':<12} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}")
    for label, s in scores.items():
        lines.append(
            f"{label:<12} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>7.3f} {int(s['support']):>8d}"
        )
    return "\n".join(lines)
