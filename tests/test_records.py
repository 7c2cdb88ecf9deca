"""ner.records: pairing shapes from the reports, sign inheritance, periods, rows, and the gold files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import ner
from ner.entity import Entity
from ner.labelstudio import load_documents
from ner.normalize import Normalized
from ner.records import Record, attach_normalized, extract_records, records_to_rows, sentence_spans

ROOT = Path(__file__).resolve().parents[1]
_LABELS = {"M": "METRIC", "A": "AMOUNT", "G": "GROWTH_RATE", "P": "PROJECT", "O": "ORG"}


def marked(s: str) -> tuple[str, list[Entity]]:
    """'实现[地区生产总值]M[150.06亿元]A' → plain text and its entities."""
    text, ents, pos = "", [], 0
    for m in re.finditer(r"\[([^\]]+)\]([MAGPO])", s):
        text += s[pos : m.start()]
        ents.append(Entity(len(text), len(text) + len(m[1]), _LABELS[m[2]], m[1]))
        text += m[1]
        pos = m.end()
    return text + s[pos:], ents


def triples(s: str) -> list[tuple[str, str | None, str | None]]:
    text, ents = marked(s)
    return [
        (r.metric.text, r.amount.text if r.amount else None, r.growth_rate.text if r.growth_rate else None)
        for r in extract_records(text, ents)
    ]


PAIRING = [
    ("value then rate in the next clause",
     "1-9月，全镇实现[地区生产总值]M[150.06亿元]A，[同比增长18.46%]G；实现[财政总收入]M[17.6亿元]A，[同比增长9.8%]G。",
     [("地区生产总值", "150.06亿元", "同比增长18.46%"), ("财政总收入", "17.6亿元", "同比增长9.8%")]),
    ("respectively, rates after the second metric",
     "完成[工业总产值]M[384.2亿元]A，其中[规上工业总产值]M[216.4亿元]A，[同比增长30.8%]G和[32.1%]G。",
     [("工业总产值", "384.2亿元", "同比增长30.8%"), ("规上工业总产值", "216.4亿元", "32.1%")]),
    ("respectively with 分别 and 、",
     "[工业总产值]M达到[255.6亿元]A,其中,[规模以上工业企业产值]M[120.3亿元]A,分别[增长4.3%]G、[5.5%]G。",
     [("工业总产值", "255.6亿元", "增长4.3%"), ("规模以上工业企业产值", "120.3亿元", "5.5%")]),
    ("respectively over metrics joined by 、",
     "[规上工业增加值]M、[规上服务业营收]M分别[增长6.5%]G和[7%]G。",
     [("规上工业增加值", None, "增长6.5%"), ("规上服务业营收", None, "7%")]),
    ("one coordinated metric keeps its list",
     "带动[商品销售]M[2000多亿元]A，[新能源汽车、智能家电零售额]M分别[增长8.7%]G、[31.5%]G。",
     [("商品销售", "2000多亿元", None), ("新能源汽车、智能家电零售额", None, "增长8.7%"),
      ("新能源汽车、智能家电零售额", None, "31.5%")]),
    ("one metric, two amounts",
     "公牛、韩电[产值]M分别首超[30亿元]A和[20亿元]A。",
     [("产值", "30亿元", None), ("产值", "20亿元", None)]),
    ("named rate and its level", "共完成签约[576户]A，[签约率]M达[97.6%]A。", [("签约率", "97.6%", None)]),
    ("target with 力争…达到", "力争[到期续订率]M达到[90%]A以上。", [("到期续订率", "90%", None)]),
    ("target, rate then level",
     "[国内生产总值]M[比上年增长12%]G,超过[112亿元]A;[公共财政预算收入]M[比上年增长10%]G,超过[10亿元]A。",
     [("国内生产总值", "112亿元", "比上年增长12%"), ("公共财政预算收入", "10亿元", "比上年增长10%")]),
    ("expected rate after 预计", "完成[服务业增加值]M[75.6亿元]A，预计[增长16%]G。",
     [("服务业增加值", "75.6亿元", "增长16%")]),
    ("level reached wins", "[债务规模]M由原来[7.1亿元]A下降至[2.0亿元]A,[压缩71.83%]G。",
     [("债务规模", "2.0亿元", "压缩71.83%")]),
    ("threshold then level", "全年[地区生产总值]M将首超[百亿元]A,达到[102亿元]A,[增长14%]G,总量居前列。",
     [("地区生产总值", "102亿元", "增长14%")]),
    ("shared value with 均", "[309家]A用气餐饮店[报警器安装率]M、[入网率]M均达[100%]A。",
     [("报警器安装率", "100%", None), ("入网率", "100%", None)]),
    ("amount written before the metric", "成立[1000万元]A[留才基金]M，推荐[16人]A进入名单。",
     [("留才基金", "1000万元", None)]),
    ("amount before, with 左右的", "远高于全市平均[38%]A左右的[新产品产值率]M。", [("新产品产值率", "38%", None)]),
    ("a following unrelated clause is not taken", "[破案率]M[同比上升3%]G,抓获嫌疑人[825人]A。",
     [("破案率", None, "同比上升3%")]),
    ("a second amount in the clause is not taken", "发放[高龄老人津贴]M[64.8万元]A惠及[1846人]A。",
     [("高龄老人津贴", "64.8万元", None)]),
    ("a gap is dropped next to a rate", "[地区生产总值]M[年均增长5.9%]G、高于全国[0.5个百分点]A；",
     [("地区生产总值", None, "年均增长5.9%")]),
    ("a lone gap is the value", "[规上民营工业增加值增速]M高于全部规上工业[2.3个百分点]A。",
     [("规上民营工业增加值增速", "2.3个百分点", None)]),
    ("a duration may open the rate clause", "[一般公共预算收入]M累计完成[3.7万亿元]A，5年[增长18.7%]G。",
     [("一般公共预算收入", "3.7万亿元", "增长18.7%")]),
    ("a clause with its own metric stops the reach",
     "[规上工业企业利润]M[增长6%]G，[191家]A工业企业[营业收入]M超[百亿元]A。",
     [("规上工业企业利润", None, "增长6%"), ("营业收入", "百亿元", None)]),
    ("values and rates both listed",
     "[城乡居民人均可支配收入]M分别达[6.9万元]A、[3.4万元]A，[增长4.2%]G、[5.3%]G。",
     [("城乡居民人均可支配收入", "6.9万元", "增长4.2%"), ("城乡居民人均可支配收入", "3.4万元", "5.3%")]),
    ("traditional characters", "[地區生產總值]M[58億元]A,[同比增長2.8%]G;[規上工業增加值]M[同比增長7%]G;",
     [("地區生產總值", "58億元", "同比增長2.8%"), ("規上工業增加值", None, "同比增長7%")]),
    ("a metric with no value makes no record", "[总投资]M较大，[公牛]O表示满意。", []),
    ("no metric, no record", "全年受理各类案件[1731起]A,[同比下降5%]G。", []),
]


@pytest.mark.parametrize("source,expected", [c[1:] for c in PAIRING], ids=[c[0] for c in PAIRING])
def test_pairing(source: str, expected: list) -> None:
    assert triples(source) == expected


@pytest.mark.parametrize(
    "source,values",
    [
        ("[规上工业总产值]M[216.4亿元]A，[同比增长30.8%]G和[32.1%]G。", [0.308, 0.321]),
        ("[PM2.5和臭氧平均浓度]M分别[同比下降18.18%]G、[8.02%]G。", [-0.1818, -0.0802]),
        ("[案件数]M[下降5%]G和[3%]G。", [-0.05, -0.03]),
        ("[A]M、[B]M、[C]M分别[下降5%]G、[3%]G和[2%]G。", [-0.05, -0.03, -0.02]),
        ("[A]M[下降5%]G，[B]M[3%]G。", [-0.05, 0.03]),  # not listed: a bare rate stays an increase
    ],
)
def test_bare_rate_inherits_direction(source: str, values: list[float]) -> None:
    text, ents = marked(source)
    assert [r.growth_rate.normalized.value for r in extract_records(text, ents)] == values


def test_inherited_basis() -> None:
    text, ents = marked("[PM2.5和臭氧平均浓度]M分别[同比下降18.18%]G、[8.02%]G。")
    rates = [e for e in attach_normalized(text, ents) if e.label == "GROWTH_RATE"]
    assert rates[1].normalized.basis == "同比"


def test_attach_normalized_keeps_order_and_other_labels() -> None:
    text, ents = marked("[公牛]O完成[投资]M[3亿元]A，[同比增长5%]G。")
    shuffled = ents[::-1]
    out = attach_normalized(text, shuffled)
    assert [e.text for e in out] == [e.text for e in shuffled]
    by_label = {e.label: e for e in out}
    assert by_label["ORG"].normalized is None and by_label["METRIC"].normalized is None
    assert by_label["AMOUNT"].normalized.value == 300000000
    assert by_label["GROWTH_RATE"].normalized.value == 0.05


def test_attach_normalized_keeps_a_given_value() -> None:
    given = Normalized(1.0, "元")
    text, (amount,) = marked("[3亿元]A")
    (out,) = attach_normalized(text, [Entity(amount.start, amount.end, "AMOUNT", amount.text, normalized=given)])
    assert out.normalized is given


@pytest.mark.parametrize(
    "source,period",
    [
        ("1-9月，全镇实现[地区生产总值]M[150.06亿元]A。", "1-9月"),
        ("上半年度,全镇实现[国内生产总值]M[32.65亿元]A。", "上半年度"),
        ("2022年,街道預計可實現[地區生產總值]M[58億元]A。", "2022年"),
        ("预计,全年[地区生产总值]M[102亿元]A。", "全年"),
        ("一季度[规上工业增加值]M[增长5%]G。", "一季度"),
        ("截至9月份，[办结率]M[100%]A。", "截至9月份"),
        ("今年主要预期目标是：[地区生产总值]M[增长5%]G左右。", "今年"),
        ("[地区生产总值]M比2020年[增长10%]G。", None),
        ("[占全国比重]M由2020年的[7.2%]A提升至[7.4%]A，在[北方地区占比]M由[20.5%]A提升至[21.1%]A。", None),
        ("连续17年[优良率]M达[100%]A。", None),
        ("[签约率]M达[97.6%]A。", None),
    ],
)
def test_period(source: str, period: str | None) -> None:
    text, ents = marked(source)
    assert {r.period for r in extract_records(text, ents)} == {period}


def test_sentences_split_on_stops_and_lines() -> None:
    text = " 第一句。第二句！\n第三句，没有句号"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["第一句。", "第二句！", "第三句，没有句号"]


def test_record_to_dict_is_json_ready() -> None:
    text, ents = marked("[地区生产总值]M[150.06亿元]A，[同比增长18.46%]G。")
    (rec,) = extract_records(text, ents)
    d = json.loads(json.dumps(rec.to_dict(), ensure_ascii=False))
    assert d["metric"]["text"] == "地区生产总值" and "normalized" not in d["metric"]
    assert d["amount"]["normalized"]["value"] == 15006000000
    assert d["growth_rate"]["normalized"] == {
        "value": 0.1846, "unit": "%", "approx": False, "low": None, "high": None, "basis": "同比", "reason": None,
    }
    assert d["sentence"] == text and d["period"] is None


def test_rows() -> None:
    text, ents = marked("1-9月，[规上工业总产值]M[216.4亿元]A，[同比增长30.8%]G；[签约率]M达[97.6%]A。")
    rows = records_to_rows(extract_records(text, ents))
    assert rows[0] == {
        "metric": "规上工业总产值", "amount": "216.4亿元", "amount_value": 21640000000.0, "amount_unit": "元",
        "growth_rate": "同比增长30.8%", "growth_value": 0.308, "growth_unit": "%", "basis": "同比",
        "period": "1-9月", "sentence": text,
    }
    assert rows[1]["growth_rate"] is None and rows[1]["growth_value"] is None and rows[1]["amount_value"] == 0.976


def test_without_entities_it_asks_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    text, ents = marked("[投资]M[3亿元]A。")
    monkeypatch.setattr(ner, "extract", lambda t: ents if t == text else [], raising=False)
    assert extract_records(text) == [Record(ents[0], attach_normalized(text, ents)[1], None, text, None)]


@pytest.mark.parametrize(
    "gold,annotations,min_sentences",
    [("records.jsonl", "seeds.json", 60), ("records_provincial.jsonl", "provincial.json", 60)],
)
def test_gold_records(gold: str, annotations: str, min_sentences: int, load_script) -> None:
    """The hand-paired files agree with the annotations, and the rules reach 0.90 on them."""
    docs = load_documents(ROOT / "annotations" / annotations)
    spans = {(d.id, s.start, s.end, s.label) for d in docs for s in d.spans}
    texts = {d.id: d.text for d in docs}
    rows = [json.loads(line) for line in (ROOT / "tests/data" / gold).read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= min_sentences
    for row in rows:
        assert texts[row["doc"]][row["start"] : row["end"]] == row["sentence"]
        for rec in row["records"]:
            for field, label in (("metric", "METRIC"), ("amount", "AMOUNT"), ("growth_rate", "GROWTH_RATE")):
                span = rec[field]
                if span is not None:
                    assert (row["doc"], span["start"], span["end"], label) in spans
                    assert row["start"] <= span["start"] and span["end"] <= row["end"]
    ev = load_script("eval_records")
    counts, _, _ = ev.score(ROOT / "tests/data" / gold, docs, ev.gold_entities)
    tp, n_pred, n_gold = (sum(c[k] for c in counts.values()) for k in ("tp", "pred", "gold"))
    assert tp / n_pred >= 0.90 and tp / n_gold >= 0.90


def test_records_from_a_cv_journal_use_each_documents_held_out_predictions(tmp_path: Path, load_script) -> None:
    """A journal whose predictions are the gold spans scores like gold; a missing fold stops plainly."""
    docs = load_documents(ROOT / "annotations" / "seeds.json")
    journal = tmp_path / "cv.partial.jsonl"
    journal.write_text(
        "\n".join(json.dumps({d.id: {"predictions": [[s.start, s.end, s.label] for s in d.spans]}}) for d in docs) + "\n",
        encoding="utf-8",
    )
    ev = load_script("eval_records")
    from_journal = ev.score(ROOT / "tests/data/records.jsonl", docs, ev.journal_entities(journal))
    assert from_journal == ev.score(ROOT / "tests/data/records.jsonl", docs, ev.gold_entities)
    journal.write_text(journal.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="has no fold holding out"):
        ev.score(ROOT / "tests/data/records.jsonl", docs, ev.journal_entities(journal))
