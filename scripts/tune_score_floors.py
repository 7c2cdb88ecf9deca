"""Pick per-label score floors (`min_entity_score`) on held-out documents, and say honestly what they gain.

An entity's score is the mean probability of its tokens' tags. If the model's unsure entities
are mostly wrong, dropping those below a floor raises F1. Each fold model of an earlier
`ner cv --save-models DIR` tags the document it never saw (with the config's decoding, no
floors); then, per label, the floor that maximises that label's mean F1 over the folds is found
on a grid. Picking floors on the same folds that score them flatters them, so the script also
reports a nested estimate: each fold is scored with the floors picked on the other folds only.

    python scripts/tune_score_floors.py --models runs/cv-default-models --config configs/default.yaml \
        --out docs/results/score-floors.json
    python scripts/tune_score_floors.py --journal docs/results/cv-default.partial.jsonl   # no models needed

With `--journal`, the held-out entities and scores are the candidates a `ner cv` run recorded
(tagged with that run's decoding), so the fold models need not be kept.

METRIC's floor is picked together with the lower floor of a METRIC right before its value
(`valued_metric_score`: nothing or a linking verb such as 达 between them), on a grid of pairs, as
the two trade against each other: a high floor for bare indicator names is only worth it when the
ones followed by their value are kept from a lower one.

Put the floors picked on all folds in the config (`min_entity_score:`, `valued_metric_score:`); `ner
cv` then re-scores the saved fold models with them (they are not a training setting).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Callable

from ner.config import TrainConfig
from ner.crossval import read_folds, saved_folds, summarize, summary_table
from ner.entity import Document, Entity, Span
from ner.evaluate import span_scores
from ner.known_names import fold_known_names, is_known
from ner.labels import LABELS
from ner.labelstudio import load_documents
from ner.span_rules import before_their_values
from ner.tagger import passes_floor

GRID = (0.0, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)
# (METRIC floor, valued-METRIC floor): the valued floor is below the other, or 1.0 for no exception
METRIC_PAIRS = tuple((t, v) for t in GRID for v in (*(g for g in GRID if g < t), 1.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--models", type=Path, help="folder of fold models named after their held-out document")
    source.add_argument("--journal", type=Path, help="a `ner cv` journal (.partial.jsonl or .json) with candidates")
    parser.add_argument("--config", help="with --models: the recipe whose decoding settings to use (its floors are ignored)")
    parser.add_argument("--data", default="annotations")
    parser.add_argument("--out", type=Path, help="also write the floors and scores as JSON")
    args = parser.parse_args()
    if args.models and not args.config:
        parser.error("--models needs --config (the decoding settings to tag with)")
    documents = load_documents(args.data)
    try:
        held_out = journal_candidates(args.journal, documents) if args.journal else tag_with_models(args.models, args.config, documents)
    except ValueError as e:
        parser.exit(2, f"tune_score_floors: {e}\n")
    if not held_out:
        parser.exit(2, "tune_score_floors: no folds to pick floors on\n")
    docs = sorted(held_out)
    # labels are scored apart, so one floor for all labels gives every label's F1 at that floor
    by_floor = {t: {d: _score(held_out, d, dict.fromkeys(LABELS, t)) for d in docs} for t in GRID}
    by_pair = _by_pair(held_out, docs)

    def pick(on: list[str]) -> tuple[dict, float]:
        """Per-label floors and the valued-METRIC floor picked on the folds `on`."""
        metric, valued = _pick_metric(by_pair, on)
        return {label: metric if label == "METRIC" else _pick(by_floor, label, on) for label in LABELS}, valued

    everywhere, valued = pick(docs)
    nested = {d: pick([x for x in docs if x != d]) for d in docs}
    result = {
        "grid": GRID,
        "floors": everywhere,
        "valued_metric_score": valued,
        "without floors": summarize({d: by_floor[0.0][d] for d in docs}),
        "floors picked on all folds": summarize({d: _score(held_out, d, everywhere, valued) for d in docs}),
        "nested: each fold with floors picked on the others": summarize({d: _score(held_out, d, *nested[d]) for d in docs}),
        "nested floors": {d: floors for d, (floors, _) in nested.items()},
        "nested valued_metric_score": {d: v for d, (_, v) in nested.items()},
    }
    print(f"\nfloors picked on all {len(docs)} folds: " + ", ".join(f"{k} {v}" for k, v in everywhere.items()))
    print(f"valued_metric_score picked on all {len(docs)} folds: {valued}")
    rows = ("without floors", "floors picked on all folds", "nested: each fold with floors picked on the others")
    print(summary_table({name: result[name] for name in rows}, "mean per-fold exact-span F1", width=52))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


def tag_with_models(models: Path, config: str, docs: list[Document]) -> dict:
    """Document id → (gold spans, [(span, score, known name?, METRIC before its value?)]): each fold
    model tags its held-out document, without floors."""
    from ner.train import load_tagger  # torch: only on this path

    cfg = replace(TrainConfig.from_yaml(config), min_entity_score={})
    held_out = {}
    for model_dir, held in saved_folds(models, docs):
        entities = load_tagger(model_dir, cfg).tag([held.text])[0].entities
        known = _known(held, docs, cfg.keep_known_names)
        held_out[held.id] = (held.spans, _flagged(held.text, entities, known))
        print(f"tagged {held.id}", flush=True)
    return held_out


def journal_candidates(journal: Path, docs: list[Document]) -> dict:
    """Document id → (gold spans, [(span, score, known name?, METRIC before its value?)]) from the
    candidates a `ner cv` run recorded, with known names when the run's recipe keeps them."""
    by_id = {d.id: d for d in docs}
    folds = read_folds(journal)
    unknown = [doc_id for doc_id in folds if doc_id not in by_id]
    if unknown:
        raise ValueError(f"{journal}: fold(s) {', '.join(map(repr, unknown))} not documents of the data")
    bare = [doc_id for doc_id, fold in folds.items() if "candidates" not in fold]
    if bare:
        raise ValueError(
            f"{journal}: {len(bare)} of {len(folds)} folds have no candidates (written before `ner cv` kept them): "
            f"{', '.join(bare)}; re-score their saved fold models with `ner cv --save-models`, or use --models"
        )
    held_out = {}
    for doc_id, fold in folds.items():
        held = by_id[doc_id]
        known = _known(held, docs, fold.get("config", {}).get("keep_known_names", False))
        candidates = [Entity(a, b, label, held.text[a:b], score) for a, b, label, score in fold["candidates"]]
        held_out[doc_id] = (held.spans, _flagged(held.text, candidates, known))
    return held_out


def _flagged(text: str, entities: list[Entity], known: Callable[[Entity], bool]) -> list[tuple]:
    return [
        (Span(e.start, e.end, e.label), e.score, known(e), valued)
        for e, valued in zip(entities, before_their_values(text, entities))
    ]


def _known(held: Document, docs: list[Document], keep: bool) -> Callable[[Entity], bool]:
    """Whether an entity of the held-out document is a name its fold's training documents knew."""
    names = fold_known_names(docs, held.id) if keep else {}
    return lambda e: is_known(e, names)


def _score(held_out: dict, doc: str, floors: dict, valued_metric_score: float = 1.0) -> dict:
    gold, predicted = held_out[doc]
    kept = [
        (doc, span) for span, score, known, valued in predicted
        if passes_floor(span.label, score, floors, known, valued, valued_metric_score)
    ]
    return span_scores([(doc, s) for s in gold], kept)


def _by_pair(held_out: dict, docs: list[str]) -> dict:
    """(METRIC floor, valued-METRIC floor) → document → its scores under that pair (METRIC's are the ones that move)."""
    return {(t, v): {d: _score(held_out, d, {"METRIC": t}, v) for d in docs} for t, v in METRIC_PAIRS}


def _pick_metric(by_pair: dict, docs: list[str]) -> tuple[float, float]:
    """The METRIC floor and valued-METRIC floor with the best mean METRIC F1 over `docs`; ties: the
    lowest METRIC floor, then the highest valued floor (the fewest exceptions)."""

    def mean_f1(pair: tuple[float, float]) -> float:
        return summarize({d: by_pair[pair][d] for d in docs})["mean_per_label_f1"]["METRIC"]

    return max(METRIC_PAIRS, key=lambda p: (round(mean_f1(p), 9), -p[0], p[1]))


def _pick(by_floor: dict, label: str, docs: list[str]) -> float:
    """The floor with the best mean F1 of `label` over `docs` (folds where it is absent say nothing); ties: the lowest."""

    def mean_f1(t: float) -> float:
        return summarize({d: by_floor[t][d] for d in docs})["mean_per_label_f1"][label]

    return max(GRID, key=lambda t: (round(mean_f1(t), 9), -t))


if __name__ == "__main__":
    main()
