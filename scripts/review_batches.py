"""More labelled text from the unlabelled corpus: pre-annotated paragraphs for review, and back.

PROJECT and ORG are limited by the names the 13 gold documents hold (docs/experiments.md), and
labelling more reports is the lever the issue names. Label Studio is where people review; this
is the same loop for reviewers who work on text files (annotator agents, or a person with an
editor): `make` picks the corpus paragraphs densest in works and bodies, from reports of
provinces that no gold document comes from (so no fold is scored on a place its extra data
covers), pre-annotates them with a model, and writes them in an inline markup,
`推进[杭州湾引水工程]{PROJECT}建设`, a few paragraphs per batch file, beside the beginnings of a
few gold documents in the same markup (gold-examples.md). A reviewer corrects each batch by the
guidelines (`../shared/annotation-guidelines.md`) and those examples and writes it back; `collect`
checks that the text of every reviewed paragraph is unchanged and every label known, and writes
a Label Studio JSON export, whose `completed_by` names the review.

    python scripts/review_batches.py make --model models/default --corpus ../shared/corpus/reports.jsonl \\
        --out runs/review --chars 31000 --batch-chars 3800
    python scripts/review_batches.py make --focus bodies --skip runs/review/originals.json \\
        --out runs/review-bodies --chars 22000 --batch-chars 3200
    # … review each batch-NN.md into reviewed-NN.md …
    python scripts/review_batches.py collect runs/review --out annotations-extra/corpus-works.json \\
        --source "corpus paragraphs pre-annotated by models/default, reviewed by annotator agents"
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from ner.entity import Document, Span
from ner.labels import LABELS
from ner.labelstudio import load_documents, to_tasks

MARK = re.compile(r"\[([^\[\]{}\n]+)\]\{([A-Z_]+)\}")
HEADER = re.compile(r"^### (\S+)$", re.MULTILINE)
FOCUS = {  # what makes a paragraph worth reviewing: the words around the names the model misses most
    "works": re.compile(
        r"工程|项目|开工|竣工|建成|投产|投用|通车|园区|产业园|实验室|机场|铁路|高铁|高速|港|枢纽|电站|集团|公司|大学|研究院|中心"
    ),
    "bodies": re.compile(
        r"集团|公司|股份|银行|大学|学院|研究院|研究所|实验室|协会|商会|联盟|基金|医院|总部|落户|签约|入选|认定|获评|荣获|被评为"
    ),
}
EXAMPLES = ("shandong_2026.txt", "jiangsu_2026.txt", "003_290d1d244b254d38.txt")  # shown to reviewers
EXAMPLE_CHARS = 3200
GOLD_PLACES = ("北京", "安徽", "山东", "江苏", "河南", "湖北", "湖南", "福建")  # the gold documents' provinces


def markup(text: str, spans: list[Span]) -> str:
    """`text` with each span written as [its text]{LABEL}."""
    out, at = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        out += [text[at : s.start], f"[{text[s.start : s.end]}]{{{s.label}}}"]
        at = s.end
    return "".join(out + [text[at:]])


def parse_markup(marked: str) -> tuple[str, list[Span]]:
    """The plain text and spans of a marked-up paragraph; an unknown label is an error."""
    text, spans, at = [], [], 0
    for m in MARK.finditer(marked):
        if m.group(2) not in LABELS:
            raise ValueError(f"unknown label {m.group(2)!r} at {m.group(0)!r}")
        text.append(marked[at : m.start()])
        start = sum(map(len, text))
        text.append(m.group(1))
        spans.append(Span(start, start + len(m.group(1)), m.group(2)))
        at = m.end()
    text.append(marked[at:])
    return "".join(text), spans


def paragraphs(corpus: Path, focus: str = "works", min_chars: int = 150, max_chars: int = 900) -> list[tuple[str, str]]:
    """(id, paragraph) of the reports from provinces with no gold document, densest in `focus` words first."""
    found = []
    for n, line in enumerate(corpus.read_text(encoding="utf-8").splitlines()):
        report = json.loads(line)
        if report.get("level") == "national" or any(p in report.get("region", "") for p in GOLD_PLACES):
            continue
        at = 0
        for para in report["text"].split("\n"):
            if min_chars <= len(para.strip()) <= max_chars:
                found.append((len(FOCUS[focus].findall(para)) / len(para), f"r{n}-{report['year']}-{at}", para.strip()))
            at += len(para) + 1
    return [(pid, para) for _, pid, para in sorted(found, reverse=True)]


def make(args: argparse.Namespace) -> None:
    from ner.inference import Extractor

    reviewed = set()
    for earlier in args.skip:
        reviewed |= set(json.loads(earlier.read_text(encoding="utf-8")))
    chosen, per_report, total = [], {}, 0
    for pid, para in paragraphs(Path(args.corpus), args.focus):
        report = pid.split("-")[0]
        if pid not in reviewed and per_report.get(report, 0) < args.per_report and total < args.chars:
            chosen.append((pid, para))
            per_report[report] = per_report.get(report, 0) + 1
            total += len(para)
    extractor = Extractor(args.model)
    args.out.mkdir(parents=True, exist_ok=True)
    batches: list[list[str]] = [[]]
    size = 0
    for pid, para in chosen:
        if size >= args.batch_chars:
            batches.append([])
            size = 0
        spans = [Span(e.start, e.end, e.label) for e in extractor.extract(para)]
        batches[-1].append(f"### {pid}\n{markup(para, spans)}")
        size += len(para)
    for k, batch in enumerate(batches, 1):
        (args.out / f"batch-{k:02d}.md").write_text("\n\n".join(batch) + "\n", encoding="utf-8")
    gold = {d.id: d for d in load_documents(args.gold)}
    examples = [f"### gold example: {i} (its beginning)\n{markup(gold[i].text, gold[i].spans)[:EXAMPLE_CHARS]}" for i in args.examples]
    (args.out / "gold-examples.md").write_text("\n\n".join(examples) + "\n", encoding="utf-8")  # how reviewed gold reads
    (args.out / "originals.json").write_text(json.dumps(dict(chosen), ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(chosen)} paragraphs, {total:,} characters, {len(batches)} batches in {args.out}")


def collect(args: argparse.Namespace) -> None:
    originals = json.loads((args.folder / "originals.json").read_text(encoding="utf-8"))
    docs, problems = [], []
    for path in sorted(args.folder.glob(args.pattern)):
        marked = path.read_text(encoding="utf-8")
        heads = list(HEADER.finditer(marked))
        for h, nxt in zip(heads, heads[1:] + [None]):
            pid = h.group(1)
            body = marked[h.end() : nxt.start() if nxt else len(marked)].strip()
            try:
                text, spans = parse_markup(body)
            except ValueError as exc:
                problems.append(f"{path.name} {pid}: {exc}")
                continue
            if originals.get(pid) != text:
                problems.append(f"{path.name} {pid}: the text differs from the corpus paragraph (only marks may change)")
                continue
            docs.append(Document(pid, text, spans))
    if problems:
        raise SystemExit("collect: " + "\n  ".join(["not written:", *problems]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(to_tasks(docs, args.source), ensure_ascii=False, indent=1), encoding="utf-8")
    load_documents(args.out)  # the export reads back through the same checks as gold data
    counts = {label: sum(s.label == label for d in docs for s in d.spans) for label in LABELS}
    print(f"{len(docs)} paragraphs, {sum(len(d.text) for d in docs):,} characters, spans {counts} → {args.out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make", help="pick and pre-annotate corpus paragraphs into batch files")
    m.add_argument("--model", default="models/default", help="model or bundle that pre-annotates")
    m.add_argument("--corpus", default="../shared/corpus/reports.jsonl")
    m.add_argument("--out", type=Path, required=True, help="folder for batch-*.md and originals.json")
    m.add_argument("--chars", type=int, default=28_000, help="characters of paragraphs to pick")
    m.add_argument("--batch-chars", type=int, default=3_500, help="characters per batch file")
    m.add_argument("--per-report", type=int, default=2, help="paragraphs at most from one report")
    m.add_argument("--gold", default="annotations", help="gold exports, for the reviewers' examples")
    m.add_argument("--examples", nargs="+", default=EXAMPLES, help="gold documents whose beginning shows reviewers the conventions")
    m.add_argument("--focus", choices=sorted(FOCUS), default="works", help="pick paragraphs dense in works or in bodies")
    m.add_argument("--skip", type=Path, action="append", default=[], help="originals.json of an earlier round: its paragraphs are not picked again")
    c = sub.add_parser("collect", help="check reviewed batches and write a Label Studio export")
    c.add_argument("folder", type=Path, help="the folder `make` wrote, with the reviewed files")
    c.add_argument("--pattern", default="reviewed-*.md", help="the reviewed batch files")
    c.add_argument("--out", type=Path, required=True, help="the Label Studio JSON export to write")
    c.add_argument("--source", required=True, help="who reviewed (the export's completed_by)")
    args = parser.parse_args()
    make(args) if args.command == "make" else collect(args)


if __name__ == "__main__":
    main()
