"""Is recipe B better than recipe A? Paired over the folds both CV journals have run.

Each held-out document is scored by both recipes, so the honest comparison is per fold: the
difference B − A per document, its mean, how many folds went each way, and an exact sign-flip
test (under "no difference" each fold's sign is a coin toss; with 13 folds all 8,192 flips are
counted). A seed alone moved a fold by about 0.02 (docs/experiments.md), which this test
accounts for only through the spread of the differences themselves.

    python scripts/compare_journals.py docs/results/cv-default.partial.jsonl docs/results/cv-substitution-floors.partial.jsonl

With `--changes`, it also lists the predictions only one of the two made, each marked gold or not
(how "7 predictions changed, 6 became gold" is counted after a change of rules).
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from ner.crossval import informative, read_folds
from ner.entity import Document
from ner.labels import LABELS

COLUMNS = [*LABELS, "overall"]
MAX_EXACT_FOLDS = 20  # 2^20 sign patterns: about a second


def paired(a: dict[str, dict], b: dict[str, dict]) -> dict:
    """Per-fold F1 of both recipes on their shared folds, the differences and the sign-flip test."""
    shared = sorted(set(a) & set(b))
    if not shared:
        raise SystemExit("the two journals share no fold")
    result: dict = {"folds": shared, "per_fold": {}, "labels": {}}
    for doc in shared:
        result["per_fold"][doc] = {c: [a[doc][c]["f1"], b[doc][c]["f1"]] for c in COLUMNS}
    for column in COLUMNS:
        seen = [d for d in shared if informative(a[d][column]) or informative(b[d][column])]
        diffs = [b[d][column]["f1"] - a[d][column]["f1"] for d in seen]
        result["labels"][column] = {
            "folds": len(diffs),
            "mean_a": _mean([a[d][column]["f1"] for d in seen]),
            "mean_b": _mean([b[d][column]["f1"] for d in seen]),
            "mean_difference": _mean(diffs),
            "b_better": sum(x > 0 for x in diffs),
            "a_better": sum(x < 0 for x in diffs),
            "p_sign_flip": sign_flip_p(diffs),
        }
    return result


def changed_predictions(a: dict[str, dict], b: dict[str, dict], docs: dict[str, Document]) -> list[dict]:
    """The predictions of the shared folds that only A or only B made, with their text and whether they are gold."""
    out = []
    for doc_id in sorted(set(a) & set(b)):
        doc = docs[doc_id]
        gold = {(s.start, s.end, s.label) for s in doc.spans}
        only = {side: {tuple(p) for p in mine[doc_id]["predictions"]} - {tuple(p) for p in other[doc_id]["predictions"]}
                for side, mine, other in (("A", a, b), ("B", b, a))}
        for side, spans in only.items():
            for start, end, label in sorted(spans):
                out.append({"fold": doc_id, "only_in": side, "label": label, "text": doc.text[start:end],
                            "gold": (start, end, label) in gold})
    return out


def sign_flip_p(diffs: list[float]) -> float:
    """Two-sided exact p of the mean difference under random signs (1.0 when there is nothing to test)."""
    if not diffs or not any(diffs):
        return 1.0
    if len(diffs) > MAX_EXACT_FOLDS:
        raise SystemExit(f"{len(diffs)} folds: the exact test enumerates 2^n sign patterns, at most {MAX_EXACT_FOLDS} folds")
    observed = abs(sum(diffs))
    flips = list(itertools.product((1, -1), repeat=len(diffs)))
    extreme = sum(abs(sum(s * x for s, x in zip(signs, diffs))) >= observed - 1e-12 for signs in flips)
    return extreme / len(flips)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path, help="journal or ner cv --out JSON of the baseline recipe")
    parser.add_argument("b", type=Path, help="journal or ner cv --out JSON of the recipe compared with it")
    parser.add_argument("--out", type=Path, help="write the comparison as JSON here")
    parser.add_argument("--changes", action="store_true", help="also list the predictions only one journal made")
    parser.add_argument("--data", default="annotations", help="with --changes: the gold Label Studio exports")
    args = parser.parse_args()
    folds_a, folds_b = read_folds(args.a), read_folds(args.b)
    result = paired(folds_a, folds_b)
    result["a"], result["b"] = str(args.a), str(args.b)
    print(f"A = {args.a}\nB = {args.b}\n{len(result['folds'])} shared folds\n")
    print(f"{'held-out document':<28} " + " ".join(f"{c[:11]:>11}" for c in COLUMNS) + "   (B − A)")
    for doc, scores in result["per_fold"].items():
        print(f"{doc[:28]:<28} " + " ".join(f"{b - a:>+11.3f}" for a, b in (scores[c] for c in COLUMNS)))
    print()
    rows = (
        ("mean A", lambda s: f"{s['mean_a']:.3f}"),
        ("mean B", lambda s: f"{s['mean_b']:.3f}"),
        ("mean B − A", lambda s: f"{s['mean_difference']:+.3f}"),
        ("folds B better / A better", lambda s: f"{s['b_better']}/{s['a_better']}"),
        ("sign-flip p (two-sided)", lambda s: f"{s['p_sign_flip']:.3f}"),
    )
    for name, cell in rows:
        print(f"{name:<28} " + " ".join(f"{cell(result['labels'][c]):>11}" for c in COLUMNS))
    if args.changes:
        from ner.labelstudio import load_documents

        result["changes"] = changed_predictions(folds_a, folds_b, {d.id: d for d in load_documents(args.data)})
        print(f"\npredictions only one journal made: {len(result['changes'])}, "
              f"{sum(c['gold'] for c in result['changes'])} of them gold")
        for c in result["changes"]:
            print(f"  only {c['only_in']}  {c['fold'][:24]:<24} {c['label']:<11} {'gold' if c['gold'] else '    '}  {c['text']}")
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
