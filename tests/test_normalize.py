"""ner.normalize: a hand-checked table of span texts, and a property that nothing raises."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ner
from ner.labels import LABELS
from ner.normalize import Normalized, growth_direction, normalize

A, G = "AMOUNT", "GROWTH_RATE"


def N(value=None, unit=None, approx=False, low=None, high=None, basis=None) -> Normalized:
    return Normalized(value, unit, approx, low, high, basis)


VALUES = [
    # AMOUNT: base units, unit without the magnitude
    ("150.06亿元", A, N(15006000000, "元")),
    ("2.07万头", A, N(20700, "头")),
    ("1.91万亿元", A, N(1.91e12, "元")),
    ("1302万吨标准煤", A, N(13020000, "吨标准煤")),
    ("25微克/立方米", A, N(25, "微克/立方米")),
    ("32.4微克/立方米", A, N(32.4, "微克/立方米")),
    ("842元/月", A, N(842, "元/月")),
    ("900万美元", A, N(9000000, "美元")),
    ("22.4万平方米", A, N(224000, "平方米")),
    ("10.8万方", A, N(108000, "方")),
    ("2.0亿元", A, N(200000000, "元")),
    ("13.99亿元", A, N(1399000000, "元")),
    ("21875.31万元", A, N(218753100, "元")),
    ("1,000元", A, N(1000, "元")),
    ("151 件", A, N(151, "件")),
    ("31.88 亿元", A, N(3188000000, "元")),
    ("15亿", A, N(1500000000)),
    ("1650万", A, N(16500000)),
    ("50万千瓦", A, N(500000, "千瓦")),
    ("1100万千瓦", A, N(11000000, "千瓦")),
    ("199万分", A, N(1990000, "分")),
    # percentages, shares, points
    ("97.6%", A, N(0.976, "%")),
    ("3.38%", A, N(0.0338, "%")),
    ("166%", A, N(1.66, "%")),
    ("99.6％", A, N(0.996, "%")),
    ("百分之九十七点六", A, N(0.976, "%")),
    ("1.5‰", A, N(0.0015, "‰")),
    ("9成", A, N(0.9, "%")),
    ("八成", A, N(0.8, "%")),
    ("五成", A, N(0.5, "%")),
    ("1/3", A, N(1 / 3, "%")),
    ("1/10", A, N(0.1, "%")),
    ("三分之一", A, N(1 / 3, "%")),
    ("8.5个百分点", A, N(8.5, "pp")),
    ("0.4个百分点", A, N(0.4, "pp")),
    # approximate: 余/多 inside, hedges a model may include
    ("1400余亩", A, N(1400, "亩", approx=True)),
    ("1万余人次", A, N(10000, "人次", approx=True)),
    ("22万余元", A, N(220000, "元", approx=True)),
    ("1000余万元", A, N(10000000, "元", approx=True)),
    ("1100余万", A, N(11000000, approx=True)),
    ("5100多亿元", A, N(510000000000, "元", approx=True)),
    ("十余个", A, N(10, "个", approx=True)),
    ("一千余万元", A, N(10000000, "元", approx=True)),
    ("约30公里", A, N(30, "公里", approx=True)),
    ("500万元以上", A, N(5000000, "元", approx=True)),
    # Chinese numerals and bare magnitudes
    ("百亿元", A, N(1e10, "元")),
    ("亿元", A, N(1e8, "元")),
    ("千万元", A, N(1e7, "元")),
    ("千亩", A, N(1000, "亩")),
    ("万亿元", A, N(1e12, "元")),
    ("两万亿", A, N(2e12)),
    ("两家", A, N(2, "家")),
    ("一家", A, N(1, "家")),
    ("三个", A, N(3, "个")),
    ("一千四百亩", A, N(1400, "亩")),
    # full-width digits and traditional characters
    ("58億元", A, N(5.8e9, "元")),
    ("715萬元", A, N(7150000, "元")),
    ("５８億元", A, N(5.8e9, "元")),
    ("１５０．０６亿元", A, N(15006000000, "元")),
    ("９７．６％", A, N(0.976, "%")),
    ("300餘戶", A, N(300, "户", approx=True)),
    ("60畝", A, N(60, "亩")),
    # ranges
    ("1-2家", A, N(None, "家", low=1, high=2)),
    ("1至2家", A, N(None, "家", low=1, high=2)),
    ("一至两家", A, N(None, "家", low=1, high=2)),
    ("3-5万元", A, N(None, "元", low=30000, high=50000)),
    ("三十至五十万元", A, N(None, "元", low=300000, high=500000)),
    ("10%-20%", A, N(None, "%", low=0.1, high=0.2)),
    # GROWTH_RATE: signed change; % as fractions, pp as points, 倍 as the increase
    ("增长18.46%", G, N(0.1846, "%")),
    ("同比增长18.46%", G, N(0.1846, "%", basis="同比")),
    ("下降5%", G, N(-0.05, "%")),
    ("压缩71.83%", G, N(-0.7183, "%")),
    ("32.1%", G, N(0.321, "%")),
    ("-5%", G, N(-0.05, "%")),
    ("增长百分之十八点四六", G, N(0.1846, "%")),
    ("两成", G, N(0.2, "%")),
    ("精简两成", G, N(-0.2, "%")),
    ("提高2.2个百分点", G, N(2.2, "pp")),
    ("下降0.5个百分点", G, N(-0.5, "pp")),
    ("提升4.6个百分点", G, N(4.6, "pp")),
    ("较上年提高2.2个百分点", G, N(2.2, "pp", basis="较上年")),
    ("增长1.5倍", G, N(1.5, "倍")),
    ("翻一番", G, N(1.0, "倍")),
    ("翻两番", G, N(3.0, "倍")),
    ("翻番", G, N(1.0, "倍")),
    ("增至3倍", G, N(2.0, "倍")),
    ("比上年增长12%", G, N(0.12, "%", basis="比上年")),
    ("比上年同期下降3%", G, N(-0.03, "%", basis="比上年同期")),
    ("年均增长5.9%", G, N(0.059, "%", basis="年均")),
    ("年均增速20%", G, N(0.2, "%", basis="年均")),
    ("增幅50.09%", G, N(0.5009, "%")),
    ("降幅3%", G, N(-0.03, "%")),
    ("涨幅2%", G, N(0.02, "%")),
    ("压减30%", G, N(-0.3, "%")),
    ("同比上升3%", G, N(0.03, "%", basis="同比")),
    ("预计增长16%", G, N(0.16, "%")),
    ("增长103.1%", G, N(1.031, "%")),
    ("同比增長2.8%", G, N(0.028, "%", basis="同比")),
    ("增长２８．１％", G, N(0.281, "%")),
    ("增长超20%", G, N(0.2, "%", approx=True)),
    ("下降超14%", G, N(-0.14, "%", approx=True)),
    ("同比下降5%-8%", G, N(None, "%", low=-0.08, high=-0.05, basis="同比")),
    ("年均增长5%—5.5%", G, N(None, "%", low=0.05, high=0.055, basis="年均")),
]

UNREADABLE = [
    ("4.0∶37.7∶58.3", A, "ratio"),  # a ratio: unit "ratio", no single value
    ("", A, None),
    ("点", A, None),
    ("几十家", A, None),
    ("1/0", A, None),
    ("150亿元", "METRIC", None),
    ("公牛", "ORG", None),
    ("150亿元", "NOT_A_LABEL", None),
    ("提升至55%", G, None),  # a level reached, not a change
    ("较“十三五”末改善16.5%", G, None),  # better, but not which way
    ("大幅增长", G, None),
    ("成倍增长", G, None),
    ("增长16", G, None),  # no unit
    ("翻99999999番", G, None),  # overflows
    ("9" * 400 + "%", A, None),  # does not fit a float
]


@pytest.mark.parametrize("text,label,expected", VALUES, ids=[c[0] for c in VALUES])
def test_value(text: str, label: str, expected: Normalized) -> None:
    assert normalize(text, label) == expected


@pytest.mark.parametrize("text,label,unit", UNREADABLE, ids=[f"{c[1]}:{c[0][:12]}" for c in UNREADABLE])
def test_unreadable_has_a_reason(text: str, label: str, unit: str | None) -> None:
    n = normalize(text, label)
    assert n.value is None and n.low is None and n.high is None
    assert n.reason
    assert n.unit == unit


def test_no_float_artefacts() -> None:
    assert normalize("150.06亿元", A).value == 15006000000
    assert normalize("同比增长18.46%", G).value == 0.1846


def test_basis_is_kept_when_unreadable() -> None:
    assert normalize("较“十三五”末改善16.5%", G).basis == "较“十三五”末"


@pytest.mark.parametrize(
    "text,sign",
    [("同比增长30.8%", 1), ("下降5%", -1), ("压缩71.83%", -1), ("翻一番", 1), ("32.1%", 0), ("改善16.5%", 0)],
)
def test_growth_direction(text: str, sign: int) -> None:
    assert growth_direction(text) == sign


def test_to_dict_and_package_export() -> None:
    n = ner.normalize("1400余亩", A)
    assert n.to_dict() == {
        "value": 1400.0, "unit": "亩", "approx": True, "low": None, "high": None, "basis": None, "reason": None,
    }


_NUMBERISH = st.text(
    alphabet="0123456789.,-~—至到余多十百千万亿零一二两三四五六七八九点%％成倍番翻增长下降同比年均个百分点元亩/∶:约超以上左右 ", max_size=20
)
_ANY_LABEL = st.one_of(st.sampled_from([*LABELS, "", "X"]), st.text(max_size=5))


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=40), _NUMBERISH), label=_ANY_LABEL)
def test_never_raises(text: str, label: str) -> None:
    n = normalize(text, label)
    assert isinstance(n, Normalized)
    assert n.value is not None or n.low is not None or n.reason
    assert all(v is None or math.isfinite(v) for v in (n.value, n.low, n.high))


@pytest.mark.parametrize(
    "text, label, shown",
    [
        ("同比增长2.8%", "GROWTH_RATE", "2.8%"),  # stored as 0.028, read back as a percentage
        ("9成", "AMOUNT", "90%"),
        ("约3‰", "AMOUNT", "~3‰"),
        ("10%-15%", "AMOUNT", "10–15%"),
        ("提高2个百分点", "GROWTH_RATE", "2 pp"),
        ("58億元", "AMOUNT", "5,800,000,000 元"),
        ("XX亩", "AMOUNT", ""),  # a placeholder, no number
    ],
)
def test_cli_table_shows_values_as_a_person_reads_them(text: str, label: str, shown: str) -> None:
    from dataclasses import replace

    from ner.cli import _value
    from ner.entity import Entity

    entity = replace(Entity(0, len(text), label, text, 1.0), normalized=normalize(text, label))
    assert _value(entity) == shown
