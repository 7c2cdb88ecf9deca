"""Numbers an analyst can sum and compare, from AMOUNT and GROWTH_RATE span texts.

`normalize(text, label)` never raises: what it cannot read comes back with `value=None` and a
`reason`. Decisions the guidelines leave open, taken here once so every caller sees the same:

- Arithmetic is decimal, converted to float at the end, so 150.06亿元 is exactly 15006000000.
  Chinese numerals (一千四百, 两, 十八点四六) go through cn2an; a leading magnitude with no digit
  counts as one of it (亿元 → 1e8, 百亿元 → 1e10, 千亩 → 1000 亩).
- Magnitudes 十/百/千/万/亿 multiply the number and are dropped from the unit (1302万吨标准煤 →
  13020000, 吨标准煤); 千 before 克/米/瓦/伏/帕/焦/卡 and 百 before 分 belong to the unit
  (50万千瓦 → 500000, 千瓦; 2百分点 → 2, pp), while 万 before 分 is a magnitude (199万分 → 1990000, 分).
- Percentages are fractions with unit "%" (97.6% → 0.976, 百分之十八点四六 → 0.1846); ‰ likewise
  with unit "‰". 成 means tenths and is reported as a percentage: 9成 → 0.9, unit "%".
- 个百分点 and 百分点 give unit "pp" with the value in points (2.2个百分点 → 2.2), for AMOUNT gaps
  and GROWTH_RATE changes alike.
- Fractions (1/3, 三分之一) are shares like 成: 1/3 → 0.333…, unit "%".
- Ratios (4.0∶37.7∶58.3) have no single value: value None, unit "ratio", reason lists the parts.
- Ranges (1-2家, 3-5万元, 5%-8%) give low/high and value None; a % or unit written only after the
  second number applies to both ends, and so does its magnitude when the first has none (3-5万元).
- approx is true for 余/多 in the number and for span-internal hedges: leading 约/近/超/逾/不到,
  trailing 左右/以上/以下/以内 (the guidelines keep those outside gold spans; models may not).
- Traditional characters used in numbers, units and direction words are folded to simplified
  through a small fixed table (億→亿, 萬→万, 畝→亩, 增長→增长…), so units come back simplified.
- GROWTH_RATE: the sign comes from the direction word (增长/提高/上升… +; 下降/减少/压缩/降幅… −);
  without one the rate is taken as an increase (a bare 32.1% → 0.321); `records.attach_normalized`
  later lets such a bare rate inherit the direction of the rate it is listed with.
  Multiples give the increase over the base: 增长1.5倍 → 1.5, 翻N番 → 2^N − 1, 增至N倍 → N − 1.
  Any other level reached (提升至55%) is not a change: value None with a reason, and so is a move
  with no direction (改善16.5% says better, which for PM2.5 means lower).
  `basis` is the stated comparison as written (同比, 环比, 年均, 比上年, 较“十三五”末…).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import lru_cache

AMOUNT, GROWTH_RATE = "AMOUNT", "GROWTH_RATE"

# traditional → simplified, character for character (offsets survive), for numbers, units and direction words
TRADITIONAL = str.maketrans(
    "億萬兩點餘長減壓縮較漲擴際個項條畝戶噸歲臺輛間場張隻處筆級類區層棟門頃貸雙組屆標準車單隊員達過約內與將預計環數幣圓",
    "亿万两点余长减压缩较涨扩际个项条亩户吨岁台辆间场张只处笔级类区层栋门顷贷双组届标准车单队员达过约内与将预计环数币圆",
)
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_MAG = r"(?:十|拾|百(?!分)|佰|千(?![克米瓦伏帕焦卡])|仟|万|亿)"  # 百分点, 千克, 千米…: unit, not magnitude
_CHINESE = rf"(?:[零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖点]|{_MAG})+"
_NUMBER = re.compile(
    rf"(?P<minus>-)?(?:百分之(?P<pct>{_ARABIC}|{_CHINESE})|(?P<ar>{_ARABIC})|(?P<cn>{_CHINESE}))"
    rf"(?P<more1>[余多])?(?P<mag>{_MAG}*)(?P<more2>[余多])?"
)
_FACTORS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10_000, "亿": 100_000_000}
_RANGE_SEP = "-~—–至到"
_RATIO = re.compile(rf"{_ARABIC}(?:[∶:]{_ARABIC})+")
_LEAD_APPROX = re.compile(r"^(?:大约|将近|接近|不到|不足|超过|约|近|超|逾)")
_LEAD_PLAIN = re.compile(r"^(?:预计|预期|力争|达到|达|共计|合计|累计|共|计|为)")
_TRAIL = re.compile(r"(?:以上|以下|以内|左右|上下|之多|许)$")
# direction words of a GROWTH_RATE, longest first within each alternation
UP_WORDS = "增长|增加|提高|上升|提升|增幅|增速|涨幅|上涨|扩大|增|涨"
DOWN_WORDS = "下降|减少|压缩|压减|压降|削减|精简|降低|降幅|回落|下滑|下跌|缩减|缩小|缩短|减|降|跌"
_UNSIGNED = "改善|优化|变化|变动"  # says a figure moved, not which way
_DIRECTION = re.compile(
    rf"^(?:(?P<up>{UP_WORDS})|(?P<down>{DOWN_WORDS})|(?P<unsigned>{_UNSIGNED}))(?P<to>至|到)?(?:了|为|达到|达)?"
)
_BASIS = re.compile(rf"^(?:同比|环比|年均|(?:比|较).{{1,12}}?(?=(?:{UP_WORDS}|{DOWN_WORDS}|{_UNSIGNED})))")
_DOUBLING = re.compile(r"^翻了?(?P<n>\d+|[一二两三四五六七八九十]+)?番(?P<more>多)?")
_FRACTION = re.compile(rf"(?P<num>{_ARABIC})/(?P<den>{_ARABIC})|(?P<cden>{_CHINESE})分之(?P<cnum>{_CHINESE})")


@dataclass(frozen=True)
class Normalized:
    """A span's value in base units; `reason` says why `value` is None when it is."""

    value: float | None = None
    unit: str | None = None
    approx: bool = False
    low: float | None = None
    high: float | None = None
    basis: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class _Unreadable(ValueError):
    """Internal: the text cannot be normalised; the message becomes `Normalized.reason`."""


def normalize(text: str, label: str) -> Normalized:
    """Normalise an AMOUNT or GROWTH_RATE span text; any other input gets a reason, never an error."""
    if label not in (AMOUNT, GROWTH_RATE):
        return Normalized(reason=f"only AMOUNT and GROWTH_RATE are normalised, not {label!r}")
    if not isinstance(text, str):
        return Normalized(reason=f"expected a string, got {type(text).__name__}")
    try:
        return _amount(fold(text)) if label == AMOUNT else _growth(fold(text))
    except _Unreadable as exc:
        return Normalized(reason=str(exc))
    except ArithmeticError as exc:  # Decimal overflow on absurd input such as 翻99999999番
        return Normalized(reason=f"{text!r} is out of range ({type(exc).__name__})")


def fold(text: str) -> str:
    """NFKC (full-width digits, ％), simplified characters, no whitespace: the form parsed here."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(TRADITIONAL))


def growth_direction(text: str) -> int:
    """+1 or -1 when the rate text states a direction (增长, 下降, 翻番…), 0 for a bare rate."""
    s = _BASIS.sub("", _LEAD_PLAIN.sub("", fold(text)))
    if _DOUBLING.match(s):
        return 1
    m = _DIRECTION.match(s)
    return 0 if m is None or m["unsigned"] else (1 if m["up"] else -1)


def _amount(s: str) -> Normalized:
    if _RATIO.fullmatch(s):
        return Normalized(unit="ratio", reason=f"a ratio ({s}) has no single value")
    s, approx = _strip_hedges(s)
    if m := _FRACTION.fullmatch(s):  # 1/3, 三分之一: a share, like 成
        share = _to_decimal(m["num"] or m["cnum"]) / _to_decimal(m["den"] or m["cden"])
        return Normalized(_finite(share), "%", approx)
    return _quantity(s, approx, growth=False)


def _growth(s: str) -> Normalized:
    s, basis = _LEAD_PLAIN.sub("", s), None
    if m := _BASIS.match(s):
        basis, s = m.group(), s[m.end() :]
    if m := _DOUBLING.match(s):
        n = _to_decimal(m["n"]) if m["n"] else Decimal(1)
        return Normalized(_finite(2**n - 1), "倍", approx=bool(m["more"]), basis=basis)
    sign, to_level = 1, False
    if m := _DIRECTION.match(s):
        if m["unsigned"]:
            reason = f"{m['unsigned']!r} does not say whether the figure rose or fell"
            return Normalized(basis=basis, reason=reason)
        sign, to_level, s = (1 if m["up"] else -1), bool(m["to"]), s[m.end() :]
    s, approx = _strip_hedges(s)
    n = _quantity(s, approx, growth=True, sign=1 if to_level else sign, basis=basis)
    if not to_level:
        return n
    if n.unit == "倍" and n.value is not None:  # 增至3倍: a level of 3× is an increase of 2×
        return Normalized(n.value - 1, "倍", n.approx, basis=basis)
    return Normalized(basis=basis, reason=f"{s!r} is a level reached, not a change")


def _strip_hedges(s: str) -> tuple[str, bool]:
    approx = False
    while (m := _LEAD_APPROX.match(s)) or (m := _LEAD_PLAIN.match(s)):
        approx |= m.re is _LEAD_APPROX
        s = s[m.end() :]
    while m := _TRAIL.search(s):
        approx, s = True, s[: m.start()]
    return s, approx


def _quantity(s: str, approx: bool, growth: bool, sign: int = 1, basis: str | None = None) -> Normalized:
    """Number or range, magnitude and unit, scaled by the unit (%, ‰, 成) and signed."""
    first = _NUMBER.match(s)
    if first is None:
        raise _Unreadable(f"no number at the start of {s!r}")
    low, low_mag, pct = _number(first)
    high, rest = None, s[first.end() :]
    if rest[:1] == "%" and rest[1:2] and rest[1] in _RANGE_SEP:
        rest = rest[1:]  # 5%-8%: the unit is written again after the second number
    if rest[:1] and rest[0] in _RANGE_SEP and (second := _NUMBER.match(rest, 1)):
        high, high_mag, _ = _number(second)
        if low_mag == 1:  # 3-5万元: the first end takes the second's magnitude
            low *= high_mag
        rest = rest[second.end() :]
    approx |= bool(first["more1"] or first["more2"])
    scale, unit = (Decimal("0.01"), "%") if pct else _unit(rest, growth)
    if high is None:
        return Normalized(_finite(low * scale * sign), unit, approx, basis=basis)
    lo, hi = sorted((low * scale * sign, high * scale * sign))
    return Normalized(None, unit, approx, _finite(lo), _finite(hi), basis)


def _number(m: re.Match) -> tuple[Decimal, Decimal, bool]:
    """(value, the 万/亿-style magnitude it was written with, whether it was 百分之…)."""
    value = _to_decimal(m["pct"] or m["ar"] or m["cn"]) * _product(m["mag"])
    written = (re.search(r"[万亿]*$", m["cn"]).group() if m["cn"] else "") + m["mag"]
    return (-value if m["minus"] else value), _product(written), bool(m["pct"])


def _product(magnitudes: str) -> Decimal:
    factor = Decimal(1)
    for ch in magnitudes:
        factor *= _FACTORS[ch]
    return factor


def _to_decimal(number: str) -> Decimal:
    if re.fullmatch(_ARABIC, number):
        return Decimal(number.replace(",", ""))
    if number[0] in "百佰千仟万亿":  # 百亿, 千万, 亿: a bare magnitude means one of it
        number = "一" + number
    return Decimal(str(_cn2an(number)))


@lru_cache(maxsize=4096)
def _cn2an(number: str) -> int | float:
    import cn2an  # imported late: it costs ~0.2 s and most numbers are Arabic

    try:
        return cn2an.cn2an(number, "normal")
    except Exception as exc:  # a third-party parser: whatever it raises means "not a number"
        raise _Unreadable(f"{number!r} is not a Chinese number ({exc})") from None


def _unit(rest: str, growth: bool) -> tuple[Decimal, str | None]:
    if rest == "%":
        return Decimal("0.01"), "%"
    if rest == "‰":
        return Decimal("0.001"), "‰"
    if rest == "成":
        return Decimal("0.1"), "%"
    if re.fullmatch(r"个?百分点", rest):
        return Decimal(1), "pp"
    if growth and rest != "倍":
        raise _Unreadable(f"a growth rate needs %, 个百分点, 倍 or 成, not {rest!r}")
    return Decimal(1), rest or None


def _finite(v: Decimal) -> float:
    f = float(v)
    if not math.isfinite(f):
        raise _Unreadable(f"{v} does not fit a float")
    return f
