"""Entities in Chinese government work reports: METRIC, AMOUNT, GROWTH_RATE, PROJECT, ORG."""

from .entity import Entity
from .labels import LABELS

__all__ = ["Entity", "LABELS"]
