"""Length-preserving text normalisation for the model's input.

Full-width digits and Latin letters (ＧＤＰ１５０), upper-case ASCII (not in the Chinese vocab),
odd spaces and traditional characters (園區 → 园区, OpenCC's character table: the annotated
reports are nearly all simplified, so the model reads traditional reports as it learned them) are
mapped character by character, so that every offset into the normalised text is also an offset
into the original: entities are always cut from the caller's own string.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _to_simplified():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def _char(c: str) -> str:
    folded = unicodedata.normalize("NFKC", c)
    if len(folded) != 1:
        return c
    if folded.isspace():
        return " "
    if folded.isascii():
        return folded.lower()
    simplified = _to_simplified().convert(folded)
    return simplified if len(simplified) == 1 else folded


def normalize_text(text: str) -> str:
    """Return a string of the same length with each character folded for the tokenizer."""
    return "".join(map(_char, text))
