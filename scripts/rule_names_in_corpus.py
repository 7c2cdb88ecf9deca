"""The names the span rules make on unlabelled reports, for a person to read: do the rules generalise?

Three rules of `ner/span_rules.py` make ORGs the model did not find: the publishing body of a
metadata header, the companies of a list before 等…企业 / 等…项目, and government departments
(省财政厅, 国家发展改革委). Their effect on the 13
annotated documents is measured by cross-validation; this shows what they do on reports no one
labelled (`../shared/corpus/reports.jsonl`: national and provincial reports of many years). It
tags each sentence where one can act with the shipped bundle twice, without and with the rules (no floors),
and prints every ORG the rules added (a span the model alone did not give), with its sentence, and
a count at the end.

    python scripts/rule_names_in_corpus.py --corpus ../shared/corpus/reports.jsonl --out docs/results/rule-names-corpus.txt
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from ner.inference import Extractor
from ner.span_rules import _DEPARTMENT, _LISTED, _PUBLISHER
from ner.textnorm import normalize_text

ROOT = Path(__file__).resolve().parent.parent


def sentences(text: str, patterns: tuple[re.Pattern, ...] = (_LISTED, _PUBLISHER, _DEPARTMENT)) -> list[str]:
    """The sentences of `text` (up to 。 or a line break) where one of `patterns` matches (by
    default: a list, a metadata header or a department)."""
    folded, out = normalize_text(text), []
    for pattern in patterns:
        for m in pattern.finditer(folded):
            start = max(folded.rfind("。", 0, m.start()), folded.rfind("\n", 0, m.start())) + 1
            end = min(k for k in (folded.find("。", m.end()), len(text) - 1) if k >= 0) + 1
            out.append(text[start:end])
    return list(dict.fromkeys(out))  # two lists in one sentence: the sentence once


def read_reports(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def tag_twice(bundle: str, threads: int, texts: list[str]) -> tuple[list, list]:
    """The entities of each text by the bundle without floors: without the span rules, and with them."""
    ex = Extractor(bundle, threads=threads, min_entity_score={})
    ex.tagger.span_rules = False
    bare = ex.extract_batch(texts)
    ex.tagger.span_rules = True
    return bare, ex.extract_batch(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "reports.jsonl")
    parser.add_argument("--bundle", default=str(ROOT / "models" / "default"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, help="also write the listing to this file")
    args = parser.parse_args()
    reports = read_reports(args.corpus)
    found = [(r.get("title", "?"), s) for r in reports for s in sentences(r.get("text", ""))]
    bare, ruled = tag_twice(args.bundle, args.threads, [s for _, s in found])
    lines, names = [], 0
    for (title, sentence), before, after in zip(found, bare, ruled):
        spans = {(e.start, e.end, e.label) for e in before}
        made = [e.text for e in after if e.label == "ORG" and (e.start, e.end, e.label) not in spans and e.score == 1.0]
        if made:
            names += len(made)
            lines.append(f"{title} | {sentence.strip()[:80]} -> {'、'.join(made)}")
    lines.append(f"{len(found)} sentences with a list, header or department in {len(reports)} reports; the rules made {names} ORGs in {len(lines)} of them")
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
