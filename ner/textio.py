"""Bytes → text for report files: UTF-8 (with or without BOM), GB18030/GBK and Big5."""

from __future__ import annotations

ENCODINGS = ("utf-8-sig", "gb18030", "big5")


class DecodeError(ValueError):
    """Bytes that are none of the encodings reports come in."""


def decode_bytes(raw: bytes) -> str:
    """Decode strictly, trying UTF-8 first; binary data (NUL bytes) is refused, not guessed at.

    GB18030 can decode almost any byte string, so Big5 is only tried when GB18030 fails; a
    Big5 file that happens to be valid GB18030 comes out as GB18030 (documented limitation).
    """
    if b"\x00" in raw[:8192]:
        raise DecodeError("binary data (NUL bytes), not a text file")
    for enc in ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DecodeError(f"not decodable as {', '.join(ENCODINGS)}")
