"""Does averaging several fold models beat each of them? Measured on held-out documents, no training.

Each `--models` folder is an earlier `ner cv --save-models DIR` (another seed, another recipe).
For every document held out in all of them, each member tags it, the members' token
probabilities are averaged, and the average is decoded the way the first member's config says
(Viterbi, shortest entity, span rules). No member ever saw that document, so the ensemble
did not either. Inference costs as many forward passes as there are members.

    python scripts/compare_ensemble.py --models runs/cv-default-models runs/cv-default-seed14-models \
        --out docs/results/ensemble-seeds.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ner.crossval import saved_folds, summarize, summary_table
from ner.entity import Span
from ner.evaluate import span_scores
from ner.labelstudio import load_documents
from ner.train import load_tagger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, nargs="+", required=True, help="two or more --save-models folders")
    parser.add_argument("--data", default="annotations")
    parser.add_argument("--out", type=Path, help="also write per-fold scores as JSON")
    args = parser.parse_args()
    if len(args.models) < 2:
        parser.error("an ensemble needs at least two --models folders")
    docs = load_documents(args.data)
    members = [dict((held.id, path) for path, held in saved_folds(folder, docs)) for folder in args.models]
    shared = [d for d in docs if all(d.id in m for m in members)]
    if not shared:
        raise SystemExit("no document is held out in every --models folder")
    names = [str(folder) for folder in args.models] + ["ensemble (mean probabilities)"]
    folds: dict[str, dict] = {name: {} for name in names}
    for held in shared:
        gold = [(held.id, s) for s in held.spans]
        taggers, probs = [], []
        for member, name in zip(members, names):
            tagger = load_tagger(member[held.id])
            if taggers and tagger.tags != taggers[0].tags:
                raise SystemExit(f"{member[held.id]}: its tags differ from the first member's; cannot average")
            ((enc, p),) = tagger.probabilities([held.text])
            taggers.append(tagger)
            probs.append(p)
            folds[name][held.id] = _score(gold, held, tagger.decode(held.text, enc, p).entities)
        mean = np.mean(probs, axis=0)
        folds[names[-1]][held.id] = _score(gold, held, taggers[0].decode(held.text, enc, mean).entities)
        print(held.id, " | ".join(f"{folds[n][held.id]['overall']['f1']:.3f}" for n in names), flush=True)
    result = {name: summarize(f) for name, f in folds.items()}
    print(f"\n{len(shared)} held-out documents; mean per-fold exact-span F1 (pooled overall last)")
    print(summary_table(result, "models", width=44))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


def _score(gold: list, held, entities) -> dict:
    return span_scores(gold, [(held.id, Span(e.start, e.end, e.label)) for e in entities])


if __name__ == "__main__":
    main()
