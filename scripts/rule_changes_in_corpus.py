"""What a span rule does on unlabelled reports, for a person to read: does it generalise?

Some rules of `ner/span_rules.py` were written from the shipped model's mistakes on reports of the
unlabelled corpus (`../shared/corpus/reports.jsonl`, national and provincial reports of many
years), and the 13 annotated documents hold few or none of the cases, so cross-validation says
little about them. This tags the corpus sentences where a rule can act with the shipped bundle
twice, without and with the span rules (no floors), and lists each entity the model alone gave
that the rule is about, and what the rules made of it (nothing: dropped). One check per rule:

- `shares`: a METRIC cut at 占 (产业投资占 | 全部投资比重达52.1% → 产业投资占全部投资比重;
  农户只占 | 10% → 农户), or touching a count before a rate (89个 | 开发区…占全省比重 → one METRIC);
- `levels`: a level reached that the model gave as a change (上升为百分之五十二点八 → the AMOUNT
  百分之五十二点八), or an AMOUNT that took in the word before it (约一亿平方米 → 一亿平方米);
- `scope`: a METRIC that begins with a word that only says where (我国关税总水平 → 关税总水平);
- `parallel`: a METRIC that joins complete names of one kind (全社会用电量、西电东送电量 → two
  METRICs);
- `people`: an ORG that is a person or a title (江泽民主席, 国务院总理, 武警部队官兵, 胡锦涛 | 同志,
  省政协 | 委员, 宋金平 | 评选为…道德模范, 本报记者 | 朱江 | 摄), dropped;
- `fractions`: an AMOUNT or GROWTH_RATE that cuts a fraction in Chinese numerals, as older
  reports write them (增长百分之十 | 八 → 增长百分之十八; 三分 | 之一 → 三分之一);
- `generic`: an ORG that names a kind of body, not one body (高校, 科研院所, 各级人民政府,
  各民主党派), a level alone (自治区 | 人大代表建议) or an event (上海世博会, 广交会), dropped;
- `routes`: a PROJECT that begins at a route's second place (宁波至 | 慈溪市域铁路), taken back to
  its first;
- `locations`: a PROJECT named as where something lies (永安东路和新城大道的沿线, 沈海高速新浦段两侧),
  dropped;
- `places`: a PROJECT that is a place name and nothing more (新城, 贵阳 | 、黔南抽水蓄能电站), dropped;
- `several`: a relative value after a change and 、/和/及 that the model gave as an AMOUNT
  (同比下降18.18%、8.02%), made a change too;
- `institutions`: a school or hospital the model called ORG below the shipped ORG floor (卫前幼儿园
  at 0.67), kept (score 1).

    python scripts/rule_changes_in_corpus.py --check shares --out docs/results/rule-changes-shares.txt
    python scripts/rule_changes_in_corpus.py --check people --out docs/results/rule-changes-people.txt
    python scripts/rule_changes_in_corpus.py --check generic --out docs/results/rule-changes-generic.txt
    python scripts/rule_changes_in_corpus.py --check fractions --out docs/results/rule-changes-fractions.txt
    python scripts/rule_changes_in_corpus.py --check scope --out docs/results/rule-changes-scope.txt
    python scripts/rule_changes_in_corpus.py --check levels --out docs/results/rule-changes-levels.txt
    python scripts/rule_changes_in_corpus.py --check parallel --out docs/results/rule-changes-parallel.txt
    python scripts/rule_changes_in_corpus.py --check routes --out docs/results/rule-changes-routes.txt
    python scripts/rule_changes_in_corpus.py --check locations --out docs/results/rule-changes-locations.txt
    python scripts/rule_changes_in_corpus.py --check places --out docs/results/rule-changes-places.txt
    python scripts/rule_changes_in_corpus.py --check several --out docs/results/rule-changes-several.txt
    python scripts/rule_changes_in_corpus.py --check institutions --out docs/results/rule-changes-institutions.txt
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Callable

from rule_names_in_corpus import ROOT, read_reports, sentences, tag_twice

from ner.config import TrainConfig
from ner.entity import Entity
from ner.span_rules import (
    _CN_FRACTION,
    _COMPLETE_ITEM,
    _COUNTED,
    _EVENT,
    _GENERIC_ORG,
    _HONOURED,
    _INSTITUTION,
    _LOCATION,
    _LEVEL_WORD,
    _PARALLEL,
    _RELATIVE,
    _PERSON,
    _REACHED,
    _SCOPE_WORD,
    _SHARE_VERB,
    _as_location,
    _bare_place,
    _parallel_names,
    is_kind_or_event,
    is_person,
)
from ner.textnorm import normalize_text


def cut_shares(folded: str, entities: list[Entity]) -> list[Entity]:
    """The METRICs ending in 占 or right after a count of things (AMOUNT)."""
    counts = {e.end for e in entities if e.label == "AMOUNT" and _COUNTED.fullmatch(folded, e.start, e.end)}
    return [e for e in entities if e.label == "METRIC" and (_SHARE_VERB.search(folded, e.start, e.end) or e.start in counts)]


def generic(folded: str, entities: list[Entity]) -> list[Entity]:
    """The ORGs that name a kind of body (高校, 各级人民政府) or an event (上海世博会)."""
    return [e for e in entities if e.label == "ORG" and is_kind_or_event(folded, e.start, e.end)]


def cut_fractions(folded: str, entities: list[Entity]) -> list[Entity]:
    """The numbers that cut a fraction in Chinese numerals (增长百分之十 | 八, 三分 | 之一)."""
    fractions = [m.span() for m in _CN_FRACTION.finditer(folded)]
    return [
        e for e in entities
        if e.label in ("AMOUNT", "GROWTH_RATE") and any(a < e.end and e.start < b and not e.start <= a < b <= e.end for a, b in fractions)
    ]


def levels(folded: str, entities: list[Entity]) -> list[Entity]:
    """The GROWTH_RATEs that give a level reached (上升为百分之五十二点八), and the numbers that begin
    with the word before a level (约一亿平方米, 为百分之四十一点五)."""
    return [
        e for e in entities
        if e.label == "GROWTH_RATE" and _REACHED.search(folded, e.start, e.end) or _LEVEL_WORD.match(folded, e.start, e.end)
    ]


def scoped(folded: str, entities: list[Entity]) -> list[Entity]:
    """The METRICs that begin with a word that only says where (我国, 本镇, 全省)."""
    return [e for e in entities if e.label == "METRIC" and _SCOPE.match(folded, e.start, e.end)]


def joined(folded: str, entities: list[Entity]) -> list[Entity]:
    """The METRICs that join complete names of one kind (全社会用电量、西电东送电量)."""
    return [e for e in entities if e.label == "METRIC" and _parallel_names(folded, e.start, e.end)]


def people(folded: str, entities: list[Entity]) -> list[Entity]:
    """The ORGs ending in a person's title or followed by 同志."""
    return [e for e in entities if e.label == "ORG" and is_person(folded, e.start, e.end)]


def routes(folded: str, entities: list[Entity]) -> list[Entity]:
    """The PROJECTs that begin right after 至 or 到."""
    return [e for e in entities if e.label == "PROJECT" and folded[e.start - 1 : e.start] in ("至", "到")]


def locations(folded: str, entities: list[Entity]) -> list[Entity]:
    """The PROJECTs followed by 沿线, 两侧… (or in a list that is), or ending in one."""
    return [e for i, e in enumerate(entities) if e.label == "PROJECT" and _as_location(folded, entities, i, e.end)]


def places(folded: str, entities: list[Entity]) -> list[Entity]:
    """The PROJECTs that are a place name and nothing more."""
    return [e for e in entities if e.label == "PROJECT" and _bare_place(folded, e.start, e.end)]


def several(folded: str, entities: list[Entity]) -> list[Entity]:
    """The relative AMOUNTs right after a GROWTH_RATE and 、, 和 or 及."""
    return [
        e for prev, e in zip(entities, entities[1:])
        if e.label == "AMOUNT" and prev.label == "GROWTH_RATE" and _PARALLEL.fullmatch(folded, prev.end, e.start)
        and _RELATIVE.fullmatch(folded, e.start, e.end)
    ]


def institutions(folded: str, entities: list[Entity]) -> list[Entity]:
    """The ORGs below the shipped ORG floor that name a school or hospital (卫前幼儿园)."""
    floor = _SHIPPED_FLOORS.get("ORG", 0.0)
    return [e for e in entities if e.label == "ORG" and e.score < floor and _INSTITUTION.fullmatch(folded, e.start, e.end)]


def _outcome(e: Entity, after: list[Entity], labels: tuple[str, ...]) -> str:
    """What the rules made of `e`: the entities of `labels` over it, with the score when only it moved."""
    over = [a for a in after if a.label in labels and a.start < e.end and e.start < a.end]
    if [(a.start, a.end) for a in over] == [(e.start, e.end)] and over[0].score != e.score:
        return f"{e.text} (score {e.score} -> {over[0].score})"
    return " + ".join(a.text for a in over) or "(none)"


_SCOPE = re.compile(_SCOPE_WORD)
_SHIPPED_FLOORS = TrainConfig.from_yaml(ROOT / "configs" / "default.yaml").min_entity_score

CHECKS: dict[str, tuple[re.Pattern, tuple[str, ...], Callable]] = {  # sentences where the rule can act, its label, its cases
    "shares": (re.compile(rf"占|{_COUNTED.pattern}[^,.;:!?、。\s]{{1,24}}?(?:率|比重|比例|占比)"), ("METRIC",), cut_shares),
    "fractions": (_CN_FRACTION, ("AMOUNT", "GROWTH_RATE"), cut_fractions),
    "levels": (re.compile(f"{_REACHED.pattern}|{_LEVEL_WORD.pattern}"), ("AMOUNT", "GROWTH_RATE"), levels),
    "scope": (_SCOPE, ("METRIC",), scoped),
    "generic": (re.compile(f"{_GENERIC_ORG.pattern}|{_EVENT.pattern.removesuffix('$')}"), ("ORG",), generic),
    "parallel": (re.compile(_COMPLETE_ITEM.pattern.removesuffix("$") + _PARALLEL.pattern), ("METRIC",), joined),
    "people": (re.compile(_PERSON.pattern.removesuffix("$") + "|同志|记者|" + _HONOURED.pattern), ("ORG",), people),
    "routes": (re.compile(r"[至到][^,.;:!?、。\s]{2,20}?(?:铁路|高铁|城际|公路|高速|航道|管线|管道|线|工程|项目)"), ("PROJECT",), routes),
    "locations": (_LOCATION, ("PROJECT",), locations),
    "places": (re.compile(r"建设|项目|工程"), ("PROJECT",), places),
    "several": (re.compile(r"[%倍点][、和及][\d.]+(?:%|倍|个百分点)"), ("AMOUNT", "GROWTH_RATE"), several),
    "institutions": (_INSTITUTION, ("ORG",), institutions),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", choices=sorted(CHECKS), required=True, help="which rule's cases to list")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "reports.jsonl")
    parser.add_argument("--bundle", default=str(ROOT / "models" / "default"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, help="also write the listing to this file")
    args = parser.parse_args()
    pattern, labels, cases = CHECKS[args.check]
    reports = read_reports(args.corpus)
    found = [(r.get("title", "?"), s) for r in reports for s in sentences(r.get("text", ""), (pattern,))]
    bare, ruled = tag_twice(args.bundle, args.threads, [s for _, s in found])
    lines, changed, seen = [], 0, 0
    for (title, sentence), before, after in zip(found, bare, ruled):
        for e in cases(normalize_text(sentence), before):
            seen += 1
            now = _outcome(e, after, labels)
            changed += now != e.text
            lines.append(f"{title} | {e.text} -> {now} | {' '.join(sentence.split())[:60]}")
    lines.append(
        f"check {args.check}: {len(found)} sentences in {len(reports)} reports where the rule can act; "
        f"the model gave {seen} such {'/'.join(labels)} entities, the rules changed {changed} of them"
    )
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
