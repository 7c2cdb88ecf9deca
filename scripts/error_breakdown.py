"""What kind of mistakes the held-out predictions of a CV journal make, per label.

Every gold span that was not predicted exactly (a miss) and every prediction that is not gold
(a false alarm) falls in one class: `boundary` (it overlaps a span of the same label with other
edges), `other label` (it overlaps only spans of other labels) or `none` (it overlaps nothing:
a name missed outright, or a span invented). The split says which lever can help: boundary
errors are decoding and span-rule territory, `none` needs the model to know more names.

A second table asks whether a span rule could join coordinated names: for each pair of predicted
spans of one label joined only by 、, 和 or 及, is the pair one gold span (黎明村、余家路村公益事业项目),
two gold spans (公牛、韩电), or neither?

    python scripts/error_breakdown.py docs/results/cv-default.partial.jsonl [--examples 5]
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict
from pathlib import Path

from ner.crossval import read_folds
from ner.labels import LABELS
from ner.labelstudio import load_documents

KINDS = ("boundary", "other label", "none")
COORDINATORS = ("、", "和", "及")
PAIR_KINDS = ("one gold span", "two gold spans", "neither")

Triple = tuple[int, int, str]


def classify(span: Triple, others: set[Triple]) -> str:
    """The error class of `span` against the spans on the other side (gold or predicted)."""
    start, end, label = span
    overlapping = [o for o in others if o[0] < end and start < o[1]]
    if not overlapping:
        return "none"
    return "boundary" if any(o[2] == label for o in overlapping) else "other label"


def breakdown(journal: Path, data: str) -> tuple[Counter, dict]:
    """Counts keyed (label, "miss"|"false alarm", kind), and the texts behind each key."""
    docs = {d.id: d for d in load_documents(data)}
    folds = read_folds(journal)
    counts: Counter = Counter()
    texts: dict = defaultdict(list)
    for doc_id, fold in sorted(folds.items()):
        doc = docs[doc_id]
        gold = {(s.start, s.end, s.label) for s in doc.spans}
        pred = {tuple(p) for p in fold["predictions"]}
        for side, spans, others in (("miss", gold - pred, pred), ("false alarm", pred - gold, gold)):
            for span in spans:
                key = (span[2], side, classify(span, others))
                counts[key] += 1
                texts[key].append(doc.text[span[0] : span[1]])
    return counts, texts


def coordinated_pairs(journal: Path, data: str) -> Counter:
    """Counts keyed (label, one of PAIR_KINDS) of predicted same-label neighbours joined by a coordinator."""
    docs = {d.id: d for d in load_documents(data)}
    counts: Counter = Counter()
    for doc_id, fold in read_folds(journal).items():
        text, gold = docs[doc_id].text, {(s.start, s.end, s.label) for s in docs[doc_id].spans}
        pred = sorted(tuple(p) for p in fold["predictions"])
        for a, b in zip(pred, pred[1:]):
            if a[2] == b[2] and text[a[1] : b[0]] in COORDINATORS:
                kind = "one gold span" if (a[0], b[1], a[2]) in gold else "two gold spans" if {a, b} <= gold else "neither"
                counts[(a[2], kind)] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("journal", type=Path, help="<out>.partial.jsonl of `ner cv` (holds each fold's predictions)")
    parser.add_argument("--data", default="annotations", help="the gold Label Studio exports")
    parser.add_argument("--examples", type=int, default=0, help="print this many random texts per cell")
    args = parser.parse_args()
    counts, texts = breakdown(args.journal, args.data)
    print(f"{'label':<12} {'side':<12} " + " ".join(f"{k:>12}" for k in KINDS) + f" {'total':>7}")
    for label in LABELS:
        for side in ("miss", "false alarm"):
            row = [counts[(label, side, k)] for k in KINDS]
            print(f"{label:<12} {side:<12} " + " ".join(f"{n:>12}" for n in row) + f" {sum(row):>7}")
    pairs = coordinated_pairs(args.journal, args.data)
    print(f"\npredicted neighbours joined by {'/'.join(COORDINATORS)}\n{'label':<12} " + " ".join(f"{k:>15}" for k in PAIR_KINDS))
    for label in LABELS:
        print(f"{label:<12} " + " ".join(f"{pairs[(label, k)]:>15}" for k in PAIR_KINDS))
    rng = random.Random(0)
    for key in sorted(texts) if args.examples else ():
        sample = rng.sample(texts[key], min(args.examples, len(texts[key])))
        print(f"{' / '.join(key)}: " + " | ".join(sample))


if __name__ == "__main__":
    main()
