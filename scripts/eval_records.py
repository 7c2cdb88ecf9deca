"""Record-level precision and recall of `ner.records` against hand-paired sentences.

With gold entities (the default) this measures the pairing rules alone. With --model the entities
come from `ner.extract` (the inference API and a trained model must be available), which measures
the whole chain; entity errors then count as record errors. The shipped model was trained on
every annotated document, so that is in-sample; with --journal the entities are the held-out
predictions of a `ner cv` run (each document tagged by the fold model that never saw it).

A record matches when its metric, amount and growth-rate spans are all exactly the gold ones
(a missing value must be missing in both). Only records whose metric lies in a listed sentence count.

    python scripts/eval_records.py [--model | --journal docs/results/cv-default.partial.jsonl] [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ner.crossval import read_folds  # noqa: E402
from ner.entity import Document, Entity  # noqa: E402
from ner.labelstudio import load_documents  # noqa: E402
from ner.records import Record, extract_records  # noqa: E402

Key = tuple  # (doc id, metric offsets, amount offsets or None, growth offsets or None)


def gold_entities(doc: Document) -> list[Entity]:
    return [Entity(s.start, s.end, s.label, doc.text[s.start : s.end]) for s in doc.spans]


def model_entities() -> Callable[[Document], list[Entity]]:
    """Entities from `ner.extract`; stops plainly when that API is not in this checkout yet."""
    try:
        from ner import extract  # built separately; only --model needs it
    except ImportError as exc:
        raise SystemExit(f"--model needs ner.extract (the inference API), which is not available: {exc}")
    return lambda doc: list(extract(doc.text))


def journal_entities(journal: Path) -> Callable[[Document], list[Entity]]:
    """Held-out predictions of a `ner cv` run (its .json or .partial.jsonl journal)."""
    folds = read_folds(journal)

    def entities(doc: Document) -> list[Entity]:
        if doc.id not in folds:
            raise SystemExit(f"{journal} has no fold holding out {doc.id}")
        return [Entity(a, b, label, doc.text[a:b]) for a, b, label in folds[doc.id]["predictions"]]

    return entities


def _offsets(span: dict | Entity | None) -> tuple[int, int] | None:
    if span is None:
        return None
    return (span["start"], span["end"]) if isinstance(span, dict) else (span.start, span.end)


def score(
    gold_path: Path, docs: list[Document], entities: Callable[[Document], list[Entity]]
) -> tuple[dict[str, Counter], dict[str, list[Key]], int]:
    """Per-document counts (gold, predicted, matched), the missed/spurious keys, and correct periods."""
    by_id = {d.id: d for d in docs}
    sentences: dict[str, list[tuple[int, int]]] = {}
    gold: set[Key] = set()
    gold_period: dict[Key, str | None] = {}
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        sentences.setdefault(row["doc"], []).append((row["start"], row["end"]))
        for r in row["records"]:
            key = (row["doc"], _offsets(r["metric"]), _offsets(r["amount"]), _offsets(r["growth_rate"]))
            gold.add(key)
            gold_period[key] = r["period"]
    pred: dict[Key, Record] = {}
    for doc_id, spans in sentences.items():
        doc = by_id[doc_id]
        for rec in extract_records(doc.text, entities(doc)):
            if any(a <= rec.metric.start < b for a, b in spans):
                pred[(doc_id, _offsets(rec.metric), _offsets(rec.amount), _offsets(rec.growth_rate))] = rec
    counts = {d: Counter() for d in sentences}
    for k in gold:
        counts[k[0]]["gold"] += 1
    for k in pred:
        counts[k[0]]["pred"] += 1
    for k in gold & pred.keys():
        counts[k[0]]["tp"] += 1
    periods = sum(pred[k].period == gold_period[k] for k in gold & pred.keys())
    errors = {"missed": sorted(gold - pred.keys()), "spurious": sorted(pred.keys() - gold)}
    return counts, errors, periods


def table(counts: dict[str, Counter], periods: int) -> str:
    lines = [f"{'document':<28} {'gold':>5} {'pred':>5} {'match':>6} {'precision':>9} {'recall':>7} {'f1':>6}"]
    total = Counter()
    for doc_id, c in sorted(counts.items()):
        total.update(c)
        lines.append(_row(doc_id, c))
    lines.append(_row("overall", total))
    lines.append(f"period correct on matched records: {periods}/{total['tp']}")
    return "\n".join(lines)


def _row(name: str, c: Counter) -> str:
    p = c["tp"] / c["pred"] if c["pred"] else 0.0
    r = c["tp"] / c["gold"] if c["gold"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"{name:<28} {c['gold']:>5} {c['pred']:>5} {c['tp']:>6} {p:>9.3f} {r:>7.3f} {f:>6.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=ROOT / "tests/data/records.jsonl")
    ap.add_argument("--annotations", type=Path, default=ROOT / "annotations/seeds.json")
    ap.add_argument("--model", action="store_true", help="entities from ner.extract instead of the gold spans")
    ap.add_argument("--journal", type=Path, help="entities from the held-out predictions of a `ner cv` journal")
    ap.add_argument("--errors", action="store_true", help="list missed and spurious records")
    args = ap.parse_args()
    if args.model and args.journal:
        ap.error("--model and --journal are two sources of entities: give one")
    docs = load_documents(args.annotations)
    if args.journal:
        entities, source = journal_entities(args.journal), f"held-out predictions of {args.journal.name}"
    elif args.model:
        entities, source = model_entities(), "predicted entities (ner.extract)"
    else:
        entities, source = gold_entities, "gold entities"
    counts, errors, periods = score(args.gold, docs, entities)
    print(f"record-level scores, {source}, {args.gold.name}")
    print(table(counts, periods))
    if args.errors:
        texts = {d.id: d.text for d in docs}
        for kind, keys in errors.items():
            for doc_id, *spans in keys:
                shown = " | ".join(texts[doc_id][s[0] : s[1]] if s else "-" for s in spans)
                print(f"{kind:<9} {doc_id[:3]} {shown}")


if __name__ == "__main__":
    main()
