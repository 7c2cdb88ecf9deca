"""Re-score a `ner cv` journal after a change of span rules or score floors, without its fold models.

A journal keeps each fold's candidates: the held-out entities with their scores after decoding and
the span rules, before the floors. The rules applied to their own output change nothing (the
script counts the candidates that do change, so that this can be checked), so applying the
current rules and a config's floors to them gives what a retrained fold would predict with the
current code, at no training cost. Decoding changes (`decoding:`) still need the fold models.
With `keep_known_names`, each fold keeps the names of the other gold documents, its training data.
Names a rule makes (score 1: a header's publisher, a list's companies) are candidates from then on,
like the model's: to tighten or drop such a rule, re-score a journal written before it (git keeps
each committed journal) or re-run the saved fold models.

    python scripts/rescore_journal.py docs/results/cv-default.partial.jsonl --config configs/default.yaml \
        --out /tmp/cv-default-rescored.partial.jsonl
    python scripts/compare_journals.py docs/results/cv-default.partial.jsonl /tmp/cv-default-rescored.partial.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ner.config import TrainConfig
from ner.crossval import read_folds, summarize, summary_table
from ner.entity import Entity, Span
from ner.evaluate import span_scores
from ner.known_names import KnownNames, fold_known_names
from ner.labelstudio import load_documents
from ner.span_rules import apply_span_rules
from ner.tagger import above_floors


RESCORED_SETTINGS = ("span_rules", "min_entity_score", "valued_metric_score", "keep_known_names")


def rescore(
    fold: dict, text: str, gold: list[Span], doc_id: str, cfg: TrainConfig, known: KnownNames | None = None
) -> tuple[dict, int]:
    """The fold's record re-scored with the current rules and `cfg`'s floors (`known`: with
    keep_known_names, the names of the fold's training documents, kept below the floors), and how
    many candidates the rules changed."""
    before = [Entity(a, b, label, text[a:b], score) for a, b, label, score in fold["candidates"]]
    candidates = apply_span_rules(text, before) if cfg.span_rules else before
    changed = len({(e.start, e.end, e.label) for e in before} - {(e.start, e.end, e.label) for e in candidates})
    entities = above_floors(candidates, cfg.min_entity_score, known, text, cfg.valued_metric_score)
    new = span_scores([(doc_id, s) for s in gold], [(doc_id, Span(e.start, e.end, e.label)) for e in entities])
    new["predictions"] = [[e.start, e.end, e.label] for e in entities]
    new["candidates"] = [[e.start, e.end, e.label, e.score] for e in candidates]
    record = {k: new.get(k, v) for k, v in fold.items()}  # the run's own fields (seconds, config…) in their order
    if "config" in record:  # the recipe as now scored: the settings applied here replace those it ran with
        record["config"] = record["config"] | {k: getattr(cfg, k) for k in RESCORED_SETTINGS}
    return record | new, changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("journal", type=Path, help="<out>.partial.jsonl of `ner cv` with candidates")
    parser.add_argument("--config", required=True, help="the recipe whose span_rules, floors and keep_known_names to apply")
    parser.add_argument("--data", default="annotations", help="the gold Label Studio exports")
    parser.add_argument("--out", type=Path, required=True, help="the re-scored journal (.partial.jsonl)")
    args = parser.parse_args()
    if args.out.resolve() == args.journal.resolve():
        parser.error("--out must differ from the journal: the original is the record of what was run")
    cfg = TrainConfig.from_yaml(args.config)
    docs = {d.id: d for d in load_documents(args.data)}
    folds = read_folds(args.journal)
    problems = [f"{d}: not a document of {args.data}" for d in folds if d not in docs]
    problems += [f"{d}: no candidates (journal written before `ner cv` kept them)" for d, f in folds.items() if "candidates" not in f]
    if problems:
        parser.exit(2, "rescore_journal: " + "; ".join(problems) + "\n")
    rescored, lines = {}, []
    for doc_id, fold in folds.items():
        doc = docs[doc_id]
        known = fold_known_names(list(docs.values()), doc_id) if cfg.keep_known_names else None
        rescored[doc_id], changed = rescore(fold, doc.text, doc.spans, doc_id, cfg, known)
        lines.append(json.dumps({doc_id: rescored[doc_id]}, ensure_ascii=False))
        print(f"{doc_id}: {changed} candidate spans changed by the rules")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(summary_table({"journal": summarize(folds), "re-scored": summarize(rescored)}, "mean per-fold exact-span F1"))


if __name__ == "__main__":
    main()
