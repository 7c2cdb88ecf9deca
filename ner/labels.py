"""The label set: the contract shared by annotations, model and tests (annotations/GUIDELINES.md)."""

from __future__ import annotations

LABELS: tuple[str, ...] = ("METRIC", "AMOUNT", "GROWTH_RATE", "PROJECT", "ORG")
NUMBER_LABELS: tuple[str, ...] = ("AMOUNT", "GROWTH_RATE")  # values; the others are names


def bio_tags(labels: tuple[str, ...] = LABELS) -> list[str]:
    """IOB2 tag list with "O" first, so that id 0 means "outside"."""
    return ["O"] + [f"{p}-{label}" for label in labels for p in ("B", "I")]
