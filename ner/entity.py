"""Data that crosses module boundaries: plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    """A gold character span [start, end) over a document's text."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Entity:
    """A predicted entity; `text == source[start:end]` always holds."""

    start: int
    end: int
    label: str
    text: str
    score: float = 1.0
    normalized: Any = None  # ner.normalize.Normalized for AMOUNT and GROWTH_RATE, else None

    def to_dict(self) -> dict:
        """JSON-ready dict; `normalized` is omitted when there is none."""
        d = asdict(self)
        if d["normalized"] is None:
            del d["normalized"]
        return d


@dataclass
class Document:
    """One annotated document: its id, raw text and gold spans (sorted, non-overlapping)."""

    id: str
    text: str
    spans: list[Span] = field(default_factory=list)
