"""What two METRIC rules do on unlabelled reports, for a person to read: do they generalise?

`ner/span_rules.py` mends two kinds of indicator the model cuts short, first seen in a provincial
report of the unlabelled corpus: a share cut at 占 (产业投资占 | 全部投资比重达52.1% → one
METRIC through 比重; 农户只占 | 10% → 农户), and a rate or share whose counted set the model
left as an AMOUNT (89个 | 开发区规上工业总产值占全省比重 → one METRIC). The 13 annotated documents
have one such case (14类场所总覆盖率), so cross-validation says little; this lists what the rules
do on `../shared/corpus/reports.jsonl`. It tags every sentence with 占 or a count before a rate
with the shipped bundle twice, without and with the span rules (no floors), and prints each
METRIC the model alone gave ending in 占 or touching such a count, and what the rules made of it.

    python scripts/share_rules_in_corpus.py --out docs/results/share-rules-corpus.txt
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from rule_names_in_corpus import ROOT, sentences

from ner.inference import Extractor
from ner.span_rules import _COUNTED, _SHARE_VERB
from ner.textnorm import normalize_text

_CANDIDATE = re.compile(rf"占|{_COUNTED.pattern}[^,.;:!?、。\s]{{1,24}}?(?:率|比重|比例|占比)")


def cut_metrics(text: str, entities: list) -> list:
    """The METRICs ending in 占 or right after a count of things (AMOUNT)."""
    folded = normalize_text(text)
    counts = {e.end for e in entities if e.label == "AMOUNT" and _COUNTED.fullmatch(folded, e.start, e.end)}
    return [e for e in entities if e.label == "METRIC" and (_SHARE_VERB.search(folded, e.start, e.end) or e.start in counts)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "reports.jsonl")
    parser.add_argument("--bundle", default=str(ROOT / "models" / "default"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, help="also write the listing to this file")
    args = parser.parse_args()
    reports = [json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    found = [(r.get("title", "?"), s) for r in reports for s in sentences(r.get("text", ""), (_CANDIDATE,))]
    ex = Extractor(args.bundle, threads=args.threads, min_entity_score={})
    texts = [s for _, s in found]
    ex.tagger.span_rules = False
    bare = ex.extract_batch(texts)
    ex.tagger.span_rules = True
    ruled = ex.extract_batch(texts)
    lines, changed, seen = [], 0, 0
    for (title, sentence), before, after in zip(found, bare, ruled):
        for m in cut_metrics(sentence, before):
            seen += 1
            now = [e for e in after if e.label == "METRIC" and e.start < m.end and m.start < e.end]
            made = "、".join(e.text for e in now) or "(none)"
            changed += made != m.text
            lines.append(f"{title} | {m.text} -> {made} | {sentence.strip()[:60]}")
    lines.append(
        f"{len(found)} sentences with 占 or a count before a rate in {len(reports)} reports; the model cut "
        f"{seen} METRICs at 占 or after a count, the rules changed {changed} of them"
    )
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
