"""Entities in Chinese government work reports: METRIC, AMOUNT, GROWTH_RATE, PROJECT, ORG.

    from ner import extract
    extract("实现地区生产总值150.06亿元，同比增长18.46%")
"""

from .entity import Entity
from .inference import Extractor, extract
from .labels import LABELS
from .normalize import Normalized, normalize
from .records import Record, extract_records

__all__ = ["Entity", "Extractor", "LABELS", "Normalized", "Record", "extract", "extract_records", "normalize"]
