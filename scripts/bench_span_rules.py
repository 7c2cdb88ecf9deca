"""What the guideline span rules cost next to the model: their time as a ratio of extraction's, in one run.

The rules (`ner/span_rules.py`) are pure Python over the decoded entities of a text, so on a
huge text they must stay linear. This runs the shipped bundle over the five seed reports (the
whole extraction, rules included), then the rules alone on the entities the bundle decoded
before them, and reports the rules' share (these machines are shared and noisy, so only the
ratio within one run means something). A second workload repeats the 13 gold documents into one
text, with their gold entities, to show the rules' own speed on a text of millions of characters.

    python scripts/bench_span_rules.py --threads 2 --out docs/results/bench_span_rules.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from ner.entity import Entity
from ner.inference import Extractor
from ner.labelstudio import load_documents
from ner.span_rules import apply_span_rules

ROOT = Path(__file__).resolve().parent.parent


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", default=str(ROOT / "models" / "default"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--copies", type=int, default=20, help="copies of the 13 gold documents in the long text")
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    args = parser.parse_args()

    ex = Extractor(args.bundle, threads=args.threads)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    ex.extract_batch(texts[:1])  # warm-up
    extraction = _median_seconds(lambda: ex.extract_batch(texts), args.repeats)
    ex.tagger.span_rules, floors, ex.tagger.min_entity_score = False, ex.tagger.min_entity_score, {}
    decoded = ex.extract_batch(texts)  # what the rules get: entities as decoded, before the floors
    ex.tagger.span_rules, ex.tagger.min_entity_score = True, floors
    rules = _median_seconds(lambda: [apply_span_rules(t, e) for t, e in zip(texts, decoded)], args.repeats)

    text, entities = "", []
    for _ in range(args.copies):
        for doc in load_documents(str(ROOT / "annotations")):
            offset = len(text)
            text += doc.text + "\n"
            entities += [Entity(s.start + offset, s.end + offset, s.label, doc.text[s.start : s.end], 0.9) for s in doc.spans]
    long_rules = _median_seconds(lambda: apply_span_rules(text, entities), args.repeats)

    result = {
        "threads": args.threads,
        "seed reports": {
            "chars": sum(map(len, texts)), "extraction_s": round(extraction, 3), "span_rules_s": round(rules, 4),
            "ratio": round(rules / extraction, 4),
        },
        "long text": {"chars": len(text), "entities": len(entities), "span_rules_s": round(long_rules, 2),
                      "chars_per_s": round(len(text) / long_rules)},
    }
    seeds = result["seed reports"]
    print(f"seed reports, {seeds['chars']} chars: extraction {extraction:.2f} s, span rules {rules:.4f} s, ratio {seeds['ratio']}")
    print(f"one text of {len(text):,} chars and {len(entities):,} entities: span rules {long_rules:.2f} s "
          f"({result['long text']['chars_per_s']:,} chars/s)")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
