"""Length-preserving text normalisation for the model's input.

Full-width digits and Latin letters (ＧＤＰ１５０), upper-case ASCII (not in the Chinese vocab) and
odd spaces are mapped character by character, so that every offset into the normalised text is
also an offset into the original: entities are always cut from the caller's own string.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=65536)
def _char(c: str) -> str:
    folded = unicodedata.normalize("NFKC", c)
    if len(folded) != 1:
        return c
    if folded.isspace():
        return " "
    return folded.lower() if folded.isascii() else folded


def normalize_text(text: str) -> str:
    """Return a string of the same length with each character folded for the tokenizer."""
    return "".join(map(_char, text))
