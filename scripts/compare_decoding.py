"""Decoding settings compared on held-out documents, from saved fold models.

Argmax vs constrained (Viterbi) IOB2 decoding, dropping one-character entities, the guideline
rules of ner/span_rules.py, and entity edges held to word edges (viterbi-words). Each fold
model (from `ner cv --save-models DIR`) tags the one document it never saw; the same token
probabilities are decoded every way, so the comparison costs no training.

    ner cv --config configs/default.yaml --out runs/cv-default.json --resume --save-models runs/cv-default-models
    python scripts/compare_decoding.py --models runs/cv-default-models --out docs/results/decoding.json \
        --read beijing_2026.txt anhui_2026.txt shandong_2026.txt 000_3db76ea840e11b26.txt 002_c5a246ededf7c1af.txt

`--read` names the folds whose errors were read while the span rules were written: the table is
then repeated for those folds and for the others, which are the fair test of the rules.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ner.crossval import saved_folds, summarize, summary_table
from ner.entity import Span
from ner.evaluate import span_scores
from ner.labelstudio import load_documents
from ner.train import load_tagger

SETTINGS = {  # name: (decoding, shortest entity kept in characters, span rules)
    "argmax": ("argmax", 1, False),
    "viterbi": ("viterbi", 1, False),
    "viterbi, 2+ characters": ("viterbi", 2, False),
    "viterbi, 2+, span rules": ("viterbi", 2, True),
    "viterbi-words, 2+, span rules": ("viterbi-words", 2, True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, required=True, help="folder of fold models named after their held-out document")
    parser.add_argument("--data", default="annotations")
    parser.add_argument("--out", type=Path, help="also write per-fold scores as JSON")
    parser.add_argument("--read", nargs="*", default=[], help="held-out documents whose errors were read when designing a setting")
    args = parser.parse_args()
    folds = {setting: {} for setting in SETTINGS}
    for model_dir, held in saved_folds(args.models, load_documents(args.data)):
        tagger = load_tagger(model_dir)
        ((enc, probs),) = tagger.probabilities([held.text])
        gold = [(held.id, s) for s in held.spans]
        for setting, (method, shortest, rules) in SETTINGS.items():
            tagged = tagger.decode(held.text, enc, probs, method, shortest, rules)
            folds[setting][held.id] = span_scores(gold, [(held.id, Span(e.start, e.end, e.label)) for e in tagged.entities])
        print(held.id, " | ".join(f"{s} {folds[s][held.id]['overall']['f1']:.3f}" for s in SETTINGS), flush=True)
    result = {setting: summarize(folds[setting]) for setting in SETTINGS}
    _table(f"{len(folds['argmax'])} held-out documents", result)
    if args.read:
        for name, keep in (("read", lambda d: d in args.read), ("not read", lambda d: d not in args.read)):
            _table(f"folds {name} while designing", {s: summarize({d: f for d, f in folds[s].items() if keep(d)}) for s in SETTINGS})
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


def _table(title: str, summaries: dict) -> None:
    print(f"\n{title}; mean per-fold exact-span F1 (pooled overall in the last column)")
    print(summary_table(summaries, "decoding"))


if __name__ == "__main__":
    main()
