"""Can a second stage beat the score floors at choosing which PROJECT and ORG candidates to keep?

The floors keep a name when the model's score passes one number per label. A second stage
(stacking) could also weigh what surrounds the name: its last characters (工程, 公司), the
characters before and after it (建成, 等), whether it stands in a list, whether the same text is
a candidate elsewhere in the report. This script measures that on a CV journal, with no training
of the encoder: for each held-out document, a logistic regression per label is fitted on the
held-out candidates of the other twelve folds (candidates the fold models never trained on, so
their scores look like a new report's), and its probability threshold is picked by an inner
leave-one-document-out over those twelve. Known names and names the span rules made (score 1)
are kept as shipped; METRIC, AMOUNT and GROWTH_RATE keep the journal's predictions.

    python scripts/compare_stacker.py docs/results/cv-default.partial.jsonl --out docs/results/compare-stacker.json

It prints the mean per-fold F1 of PROJECT, ORG and overall for the journal's predictions and the
stacker's, and how many folds each wins.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Callable

import torch

from tune_score_floors import GRID

from ner.crossval import read_folds
from ner.entity import Document, Entity, Span
from ner.evaluate import span_scores
from ner.known_names import fold_known_names, is_known
from ner.labelstudio import load_documents
from ner.textnorm import normalize_text

STACKED = ("PROJECT", "ORG")
THRESHOLDS = [round(0.2 + 0.05 * i, 2) for i in range(13)]  # 0.2 … 0.8
L2 = 1.0  # weight decay of the logistic regression, per candidate


def features(text: str, folded: str, start: int, end: int, score: float, same_text_scores: list[float]) -> dict:
    """Named features of one candidate: its score, length, edges, neighbours and repeats."""
    name = folded[start:end]
    return {
        "logit": math.log(max(score, 1e-4) / max(1 - score, 1e-4)),
        "length": min(len(name), 20) / 10,
        "last=" + name[-1:]: 1.0,
        "last2=" + name[-2:]: 1.0,
        "prev=" + folded[start - 1 : start]: 1.0,
        "prev2=" + folded[max(0, start - 2) : start]: 1.0,
        "next=" + folded[end : end + 1]: 1.0,
        "next2=" + folded[end : end + 2]: 1.0,
        "digit": float(any(c.isdigit() for c in name)),
        "in a list": float(folded[start - 1 : start] == "、" or folded[end : end + 1] == "、"),
        "elsewhere": max(same_text_scores, default=0.0),
    }


def candidate_rows(doc: Document, fold: dict, all_docs: list[Document]) -> list[dict]:
    """The PROJECT/ORG candidates of one fold: features, gold or not, and whether shipping keeps them anyway."""
    text, folded = doc.text, normalize_text(doc.text)
    gold = {(s.start, s.end, s.label) for s in doc.spans}
    known = fold_known_names(all_docs, doc.id)
    by_text: dict[str, list[tuple[int, float]]] = {}
    for a, b, _, score in fold["candidates"]:
        by_text.setdefault(folded[a:b], []).append((a, score))
    rows = []
    for a, b, label, score in fold["candidates"]:
        if label not in STACKED:
            continue
        same = [s for start, s in by_text[folded[a:b]] if start != a]
        rows.append({
            "span": (a, b, label),
            "label": label,
            "features": features(text, folded, a, b, score, same),
            "score": score,
            "gold": (a, b, label) in gold,
            "always": score >= 1.0 or is_known(Entity(a, b, label, text[a:b], score), known),
        })
    return rows


class Stacker:
    """L2-regularised logistic regression over named features (torch, full-batch L-BFGS)."""

    def __init__(self, rows: list[dict]):
        self.index = {name: i for i, name in enumerate(sorted({k for r in rows for k in r["features"]}))}
        x = self._matrix(rows)
        y = torch.tensor([float(r["gold"]) for r in rows])
        self.w = torch.zeros(len(self.index) + 1, requires_grad=True)
        opt = torch.optim.LBFGS([self.w], max_iter=200, line_search_fn="strong_wolfe")

        def loss() -> torch.Tensor:
            opt.zero_grad()
            value = torch.nn.functional.binary_cross_entropy_with_logits(x @ self.w, y) + L2 / len(rows) * self.w[:-1].pow(2).sum()
            value.backward()
            return value

        opt.step(loss)

    def _matrix(self, rows: list[dict]) -> torch.Tensor:
        x = torch.zeros(len(rows), len(self.index) + 1)
        x[:, -1] = 1.0  # bias
        for i, r in enumerate(rows):
            for name, value in r["features"].items():
                if name in self.index:
                    x[i, self.index[name]] = value
        return x

    def probabilities(self, rows: list[dict]) -> list[float]:
        if not rows:
            return []
        with torch.no_grad():
            return torch.sigmoid(self._matrix(rows) @ self.w).tolist()


def fit(rows_by_doc: dict, docs: list[str], label: str) -> Stacker | None:
    rows = [r for d in docs for r in rows_by_doc[d] if r["label"] == label and not r["always"]]
    return Stacker(rows) if rows and any(r["gold"] for r in rows) and not all(r["gold"] for r in rows) else None


def chosen(rows: list[dict], stacker: Stacker | None, threshold: float) -> set:
    free = [r for r in rows if not r["always"]]
    probabilities = stacker.probabilities(free) if stacker else [0.0] * len(free)
    return {r["span"] for r in rows if r["always"]} | {r["span"] for r, p in zip(free, probabilities) if p >= threshold}


def floored(rows: list[dict], floor: float) -> set:
    return {r["span"] for r in rows if r["always"] or r["score"] >= floor}


def pick_floor(rows_by_doc: dict, docs_by_id: dict, train: list[str], label: str) -> float:
    """The score floor with the best mean `label` F1 over `train` (as tune_score_floors picks it); ties: the lowest."""

    def mean_f1(t: float) -> float:
        return mean_label_f1(docs_by_id, train, label, lambda d: floored(label_rows(rows_by_doc, d, label), t))

    return max(GRID, key=lambda t: (round(mean_f1(t), 9), -t))


def label_rows(rows_by_doc: dict, doc_id: str, label: str) -> list[dict]:
    return [r for r in rows_by_doc[doc_id] if r["label"] == label]


def mean_label_f1(docs_by_id: dict, docs: list[str], label: str, predicted: Callable[[str], set]) -> float:
    """The mean `label` F1 over `docs` of what `predicted` gives each, skipping documents where it says nothing."""
    seen = [f for d in docs if (f := label_f1(docs_by_id[d], predicted(d), label)) is not None]
    return sum(seen) / len(seen) if seen else 0.0


def label_f1(doc: Document, predicted: set, label: str) -> float | None:
    """F1 of `label` on one document; None where it is neither gold nor predicted (says nothing)."""
    gold = [s for s in doc.spans if s.label == label]
    mine = [p for p in predicted if p[2] == label]
    if not gold and not mine:
        return None
    return span_scores([(doc.id, s) for s in gold], [(doc.id, Span(*p)) for p in mine])[label]["f1"]


def pick_threshold(rows_by_doc: dict, docs_by_id: dict, train: list[str], label: str) -> float:
    """The threshold with the best mean `label` F1 over an inner leave-one-out of `train`; ties: the highest."""
    inner = {d: fit(rows_by_doc, [o for o in train if o != d], label) for d in train}

    def mean_f1(t: float) -> float:
        return mean_label_f1(docs_by_id, train, label, lambda d: chosen(label_rows(rows_by_doc, d, label), inner[d], t))

    return max(THRESHOLDS, key=lambda t: (round(mean_f1(t), 9), t))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("journal", type=Path, help="<out>.partial.jsonl of `ner cv` with candidates")
    parser.add_argument("--data", default="annotations", help="the gold Label Studio exports")
    parser.add_argument("--out", type=Path, help="write per-fold F1 and thresholds here (JSON)")
    args = parser.parse_args()
    torch.manual_seed(0)
    all_docs = load_documents(args.data)
    docs_by_id = {d.id: d for d in all_docs}
    folds = read_folds(args.journal)
    rows_by_doc = {d: candidate_rows(docs_by_id[d], fold, all_docs) for d, fold in folds.items()}
    result: dict = {"folds": {}}
    for held in sorted(folds):
        train = [d for d in folds if d != held]
        doc, journal = docs_by_id[held], {tuple(p) for p in folds[held]["predictions"]}
        stacked = {p for p in journal if p[2] not in STACKED}
        floors_nested = set(stacked)
        thresholds, floors = {}, {}
        for label in STACKED:
            rows = label_rows(rows_by_doc, held, label)
            thresholds[label] = pick_threshold(rows_by_doc, docs_by_id, train, label)
            stacked |= chosen(rows, fit(rows_by_doc, train, label), thresholds[label])
            floors[label] = pick_floor(rows_by_doc, docs_by_id, train, label)
            floors_nested |= floored(rows, floors[label])
        gold = [(held, s) for s in doc.spans]
        result["folds"][held] = {
            "thresholds": thresholds,
            "floors": floors,
            **{
                name: {label: label_f1(doc, predicted, label) for label in STACKED}
                | {"overall": span_scores(gold, [(held, Span(*p)) for p in predicted])["overall"]["f1"]}
                for name, predicted in (("journal", journal), ("floors", floors_nested), ("stacker", stacked))
            },
        }
        print(f"{held}: thresholds {thresholds}, floors {floors}", flush=True)
    print(f"{'mean per-fold F1':18} {'journal':>8} {'floors':>8} {'stacker':>8}  folds stacker better/worse than floors")
    result["mean"] = {}
    for label in (*STACKED, "overall"):
        mean = {}
        for name in ("journal", "floors", "stacker"):  # folds where a label is neither gold nor predicted are skipped, as in `ner cv`
            seen = [f[name][label] for f in result["folds"].values() if f[name][label] is not None]
            mean[name] = sum(seen) / len(seen)
        pairs = [(f["floors"][label] or 0.0, f["stacker"][label] or 0.0) for f in result["folds"].values()]
        better, worse = sum(b > a + 1e-9 for a, b in pairs), sum(b < a - 1e-9 for a, b in pairs)
        result["mean"][label] = {**mean, "folds stacker better than floors": better, "folds worse": worse}
        print(f"{label:18} {mean['journal']:8.3f} {mean['floors']:8.3f} {mean['stacker']:8.3f}  {better}/{worse}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
