"""Indicator records: each METRIC joined with the AMOUNT and GROWTH_RATE that report it.

The reports state indicators in a few fixed shapes, so pairing is done by rules over the entities of
one sentence (hand-paired sentences in tests/data/records*.jsonl measure them, see
scripts/eval_records.py):

- A metric takes the values after it in its own clause, then in the clauses that follow as long as
  each opens with a value (…150.06亿元，同比增长18.46%; …，预计增长16%; …，达到102亿元), never past
  the next metric or a ；.
- Of several amounts it takes the first, unless a later one is a level reached (由7.1亿元下降至2.0亿元,
  首超百亿元，达到102亿元). A gap against another figure (增长5.9%、高于全国0.5个百分点) is
  taken only when the metric has no other value.
- A list of n values (30.8%和32.1%, 4.3%、5.5%) after a metric goes, in order, to the last n metrics
  when the earlier ones have no value of that kind (respectively); otherwise, and always for a
  metric that coordinates n items itself (新能源汽车、智能家电零售额分别增长x、y), each value makes
  its own record for that one metric (公牛、韩电产值分别首超30亿元和20亿元).
- Metrics joined by 和/、 with no value of their own share the next one's (A、B均达100%).
- A metric with no value after it takes an amount written just before it (成立1000万元留才基金,
  平均38%左右的新产品产值率).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from .entity import Entity
from .normalize import AMOUNT, GROWTH_RATE, Normalized, fold, growth_direction, normalize

METRIC = "METRIC"
_VALUES = (AMOUNT, GROWTH_RATE)
_SENTENCE_END = "。！？!?\n"
_HARD_STOP = "；;"
_SOFT_STOP = "，,：:"
_JOINER = re.compile(r"和|与|及|以及|、")
# words a continuing clause may open with: 预计增长16%, 分别增长…, 达到102亿元, 5年增长18.7%
_OPENS_CLAUSE = re.compile(r"(?:预计可?|分别|均|约|达到|达|超过|超|近?(?:\d+|[一二三四五六七八九十]+)年)?")
_COMPARISON = re.compile(r"高于|低于|快于|慢于")  # 高于全国0.4个百分点: a gap, not the metric's value
_LEVEL = re.compile(r"(?:至|到|达到|达|为)$")
_JUST_BEFORE = re.compile(r"(?:左右|以上|余|多)?的?")
_PERIOD = re.compile(
    r"(?:截至|截止)?(?:"
    r"(?<!\d)\d{4}(?:[-—~至]\d{4})?年度?(?:\d{1,2}(?:[-—~至]\d{1,2})?月份?|[一二三四]季度|[上下]半年)?"
    r"|(?<!\d)\d{1,2}(?:[-—~至]\d{1,2})?月份?"
    r"|第?[一二三四1-4]季度|前三季度|[上下]半年度?|半年度|全年|今年|年内|年底|年末|明年|去年)"
)


@dataclass(frozen=True)
class Record:
    """One indicator: the metric, its amount and/or growth rate, and where and when it was stated."""

    metric: Entity
    amount: Entity | None
    growth_rate: Entity | None
    sentence: str
    period: str | None

    def to_dict(self) -> dict:
        return {
            "metric": self.metric.to_dict(),
            "amount": self.amount.to_dict() if self.amount else None,
            "growth_rate": self.growth_rate.to_dict() if self.growth_rate else None,
            "sentence": self.sentence,
            "period": self.period,
        }


def extract_records(text: str, entities: Sequence[Entity] | None = None) -> list[Record]:
    """Records of `text`; without `entities` they come from the model through `ner.extract`."""
    if entities is None:
        from ner import extract  # the inference API lives elsewhere; only needed on this path

        entities = extract(text)
    linked = sorted(
        (e for e in attach_normalized(text, entities) if e.label in (METRIC, *_VALUES)),
        key=lambda e: (e.start, e.end),
    )
    records: list[Record] = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        for part in _pieces(text, start, end, _HARD_STOP):
            ents = [e for e in linked if part[0] <= e.start < part[1]]
            for metric, amount, growth in _pair(text, part, ents):
                records.append(Record(metric, amount, growth, sentence, _period(text, start, metric.start)))
    return records


def attach_normalized(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """`entities` in their order, with `normalized` filled for AMOUNT/GROWTH_RATE where it was None.

    A rate written without a direction (同比增长30.8%和32.1%, 下降5%和3%) takes the direction and
    basis of the rate it is listed with; only the source text between the two can tell that.
    """
    filled: dict[int, Entity] = {}
    previous: tuple[int, int, str | None] | None = None  # (end, sign, basis) of the last rate seen
    for i in sorted(range(len(entities)), key=lambda i: entities[i].start):
        e = entities[i]
        if e.label not in _VALUES:
            continue
        n = e.normalized if e.normalized is not None else normalize(e.text, e.label)
        if e.label == GROWTH_RATE:
            sign, basis = growth_direction(e.text), n.basis
            if sign == 0 and previous and _JOINER.fullmatch(text[previous[0] : e.start].strip()):
                sign, basis = previous[1], basis or previous[2]
                if e.normalized is None:
                    n = _with_direction(n, sign, basis)
            previous = (e.end, sign or 1, basis)
        filled[i] = replace(e, normalized=n)
    return [filled.get(i, e) for i, e in enumerate(entities)]


def records_to_rows(records: Sequence[Record]) -> list[dict]:
    """Flat rows, one per record, for CSV or JSONL output."""
    rows = []
    for r in records:
        amount = r.amount.normalized if r.amount else None
        growth = r.growth_rate.normalized if r.growth_rate else None
        rows.append(
            {
                "metric": r.metric.text,
                "amount": r.amount.text if r.amount else None,
                "amount_value": amount.value if amount else None,
                "amount_unit": amount.unit if amount else None,
                "growth_rate": r.growth_rate.text if r.growth_rate else None,
                "growth_value": growth.value if growth else None,
                "growth_unit": growth.unit if growth else None,
                "basis": growth.basis if growth else None,
                "period": r.period,
                "sentence": r.sentence,
            }
        )
    return rows


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence: up to and including 。！？ or a line break, trimmed."""
    return [(a, b) for a, b in _pieces(text, 0, len(text), _SENTENCE_END) if a < b]


def _pieces(text: str, start: int, end: int, stops: str) -> list[tuple[int, int]]:
    """Split [start, end) after each stop character (not a , or : between digits), trimmed."""
    cuts = [
        i + 1
        for i in range(start, end)
        if text[i] in stops and not (text[i] in ",:" and _digit(text, i - 1) and _digit(text, i + 1))
    ]
    out = []
    for a, b in zip([start, *cuts], [*cuts, end]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        out.append((a, b))
    return out


def _digit(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isdigit()


Triple = tuple[Entity, Entity | None, Entity | None]  # (metric, amount, growth rate)


def _pair(text: str, part: tuple[int, int], ents: list[Entity]) -> list[Triple]:
    """The triples for the entities of one ；-delimited part."""
    metrics = [e for e in ents if e.label == METRIC]
    clauses = _pieces(text, part[0], part[1], _SOFT_STOP)
    chosen = []
    for i, m in enumerate(metrics):
        stop = metrics[i + 1].start if i + 1 < len(metrics) else part[1]
        zone = _zone(text, m, stop, clauses, ents)
        zone = [v for v in zone if not _is_gap(text, v, [m, *zone])] or zone  # a lone gap still counts
        chosen.append({kind: _choose(text, [v for v in zone if v.label == kind]) for kind in _VALUES})
    _respectively(chosen, metrics)
    for i in reversed(range(len(metrics) - 1)):  # A、B均达100%: A shares B's values
        gap = text[metrics[i].end : metrics[i + 1].start].strip()
        if not any(chosen[i].values()) and _JOINER.fullmatch(gap):
            chosen[i] = dict(chosen[i + 1])
    used = {v for c in chosen for vs in c.values() for v in vs}
    for m, c in zip(metrics, chosen):
        if not any(c.values()) and (before := _amount_before(text, m, ents, used)):
            c[AMOUNT] = [before]
    triples = []
    for m, c in zip(metrics, chosen):
        amounts, growths = c[AMOUNT], c[GROWTH_RATE]
        for k in range(max(len(amounts), len(growths))):
            triples.append((m, _nth(amounts, k), _nth(growths, k)))
    return triples


def _zone(text: str, m: Entity, stop: int, clauses: list[tuple[int, int]], ents: list[Entity]) -> list[Entity]:
    """Values after metric `m` in its clause, then in following clauses that open with a value."""
    own = max(k for k, (a, _) in enumerate(clauses) if a <= m.start)
    limit = min(clauses[own][1], stop)
    values = [e for e in ents if e.label in _VALUES and m.end <= e.start and e.end <= limit]
    for a, b in clauses[own + 1 :]:
        inside = [e for e in ents if a <= e.start < b]
        if a >= stop or not inside or any(e.label == METRIC for e in inside):
            break
        if not _OPENS_CLAUSE.fullmatch(fold(text[a : inside[0].start])):
            break
        values += inside
    return values


def _choose(text: str, values: list[Entity]) -> list[Entity]:
    """A list of values joined by 和/、 (respectively), else the one value the metric reports."""
    runs: list[list[Entity]] = []
    for v in values:
        if runs and _JOINER.fullmatch(text[runs[-1][-1].end : v.start].strip()):
            runs[-1].append(v)
        else:
            runs.append([v])
    lists = [run for run in runs if len(run) > 1]
    if lists:
        return lists[0]
    if not values:
        return []
    levels = [v for v in values[1:] if _LEVEL.search(fold(text[max(0, v.start - 2) : v.start]))]
    return [levels[-1] if levels else values[0]]


def _is_gap(text: str, value: Entity, before: list[Entity]) -> bool:
    """Whether `value` is a gap against another figure: 高于… between it and the entity before it."""
    start = max((e.end for e in before if e.end <= value.start), default=value.start)
    return value.label == AMOUNT and bool(_COMPARISON.search(text[start : value.start]))


def _respectively(chosen: list[dict[str, list[Entity]]], metrics: list[Entity]) -> None:
    """Hand out a list of n values after the i-th metric to metrics i-n+1 … i, in order."""
    for kind in _VALUES:
        for i, c in enumerate(chosen):
            n = len(c[kind])
            coordinated = len(_JOINER.findall(metrics[i].text)) + 1 >= n
            earlier = range(i + 1 - n, i)
            if n > 1 and i + 1 >= n and not coordinated and not any(chosen[j][kind] for j in earlier):
                for j, v in zip(range(i + 1 - n, i + 1), c[kind]):
                    chosen[j][kind] = [v]


def _amount_before(text: str, m: Entity, ents: list[Entity], used: set[Entity]) -> Entity | None:
    before = [e for e in ents if e.label == AMOUNT and e.end <= m.start]
    if before and before[-1] not in used and _JUST_BEFORE.fullmatch(fold(text[before[-1].end : m.start])):
        return before[-1]
    return None


def _nth(values: list[Entity], k: int) -> Entity | None:
    """The k-th value; a single value is shared by every record of the metric."""
    if len(values) == 1:
        return values[0]
    return values[k] if k < len(values) else None


def _period(text: str, sentence_start: int, metric_start: int) -> str | None:
    """The last time expression before the metric in its sentence (比2020年 is a base, not a period)."""
    found = [
        m.group()
        for m in _PERIOD.finditer(text, sentence_start, metric_start)
        if text[max(0, m.start() - 1) : m.start()] not in ("比", "较", "由", "从")
    ]
    return found[-1] if found else None


def _with_direction(n: Normalized, sign: int, basis: str | None) -> Normalized:
    if sign < 0:
        n = replace(
            n,
            value=None if n.value is None else -n.value,
            low=None if n.high is None else -n.high,
            high=None if n.low is None else -n.low,
        )
    return replace(n, basis=basis)
