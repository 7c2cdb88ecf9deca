"""Entities in Chinese government work reports: METRIC, AMOUNT, GROWTH_RATE, PROJECT, ORG."""

from .entity import Entity
from .labels import LABELS
from .normalize import Normalized, normalize

__all__ = ["Entity", "LABELS", "Normalized", "normalize"]
