"""Bytes → text for report files: UTF-8 (with or without BOM), GB18030/GBK and Big5."""

from __future__ import annotations

ENCODINGS = ("utf-8-sig", "gb18030", "big5")

# Frequent characters of Chinese prose and of these reports, in simplified and traditional form.
# Big5 bytes are almost always valid GBK too (and GBK often valid Big5), so when both decode,
# the decoding whose text holds more of these characters wins; a wrong decoding yields kana,
# box-drawing and rare characters instead.
COMMON = frozenset(
    "的一是不了在人有我他这這个個们們中来來上大为為和国國地到以说說时時要就出会會可也对對生能而子"
    "得于於着著下自之年过過发發后後作里裡用道行所然家种種事成方多经經么麼去法学學如都同现現当當"
    "没沒动動面起看定天分还還进進好小部其些主样樣理心本前开開但因只从從想实實日者意无無力与與"
    "长長把机機十民第公此已工使情明性知全三又关關点點正业業外将將两兩高间間由问問很最重并並物手"
    "应應向头頭文体體政相见見被利二等产產或新己制身果加月话話合回特代内內信表化给給位次度门門任"
    "常先海通教原东東声聲提立及比员員解水名真论論处處走义義各入几幾口认認条條平系气氣题題活更别別"
    "打变變四总總何电電数數安少报報才结結反受目量再感建务務做接必场場件计計管期市直资資命山金指"
    "设設区區镇鎮县縣省亿億万萬元增展项項目推保障改革全面强強质質效城乡鄉村农農居收稳穩提升"
)
SAMPLE_CHARS = 20_000
CONTROL_SHARE = 0.01


class DecodeError(ValueError):
    """Bytes that are none of the encodings reports come in."""


def decode_bytes(raw: bytes) -> str:
    """Decode strictly; binary data (NUL bytes, many control characters) is refused, not guessed at.

    Valid UTF-8 is taken as UTF-8. Otherwise GB18030 (a superset of GBK and GB2312) and Big5 are
    both tried, and when both decode, the one that reads as Chinese (more `COMMON` characters in
    the first `SAMPLE_CHARS`) wins; ties go to GB18030.
    """
    if b"\x00" in raw[:8192]:
        raise DecodeError("binary data (NUL bytes), not a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        candidates = [t for t in (_try(raw, "gb18030"), _try(raw, "big5")) if t is not None]
        if not candidates:
            raise DecodeError(f"not decodable as {', '.join(ENCODINGS)}") from None
        text = max(candidates, key=_chinese_score)  # max keeps the first (GB18030) on ties
    if _mostly_control(text[:8192]):
        raise DecodeError("binary data (control characters), not a text file")
    return text


def _try(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _chinese_score(text: str) -> int:
    return sum(c in COMMON for c in text[:SAMPLE_CHARS])


def _mostly_control(sample: str) -> bool:
    controls = sum(c < " " and c not in "\t\n\r\f\v" for c in sample)
    return controls > CONTROL_SHARE * max(len(sample), 1)
