"""Names the annotations gave a label: an entity with such a text is kept below its score floor.

The score floors drop the entities the model is unsure of, and most of those are wrong. But the
model is also unsure of some names the annotators labelled again and again (地区生产总值 at 0.67,
党中央 at 0.54 in held-out reports), and for those the annotations settle it. A model directory
and its bundle keep the names of its gold training documents in `known_names.json`; with
`keep_known_names: true` an entity whose folded text is one of its label's names passes the floor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping, Sequence

from .entity import Document, Entity
from .textnorm import normalize_text

FILE = "known_names.json"
NAME_LABELS = ("METRIC", "PROJECT", "ORG")  # numbers are never kept by their text

KnownNames = Mapping[str, frozenset]


def known_names(docs: Sequence[Document]) -> dict[str, frozenset]:
    """Label → folded texts of its gold spans in `docs` (names only)."""
    names: dict[str, set] = {label: set() for label in NAME_LABELS}
    for doc in docs:
        for s in doc.spans:
            if s.label in names:
                names[s.label].add(normalize_text(doc.text[s.start : s.end]))
    return {label: frozenset(texts) for label, texts in names.items()}


def fold_known_names(docs: Sequence[Document], held_out_id: str) -> dict[str, frozenset]:
    """The names a cross-validation fold was trained on: those of every document but the held-out one."""
    return known_names([d for d in docs if d.id != held_out_id])


def is_known(entity: Entity, names: KnownNames) -> bool:
    return normalize_text(entity.text) in names.get(entity.label, ())


def save_known_names(names: KnownNames, model_dir: str | Path) -> None:
    data = {label: sorted(texts) for label, texts in names.items()}
    (Path(model_dir) / FILE).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def load_known_names(model_dir: str | Path) -> dict[str, frozenset]:
    """The names kept in a model directory or bundle; {} when it has none (made before session 12)."""
    path = Path(model_dir) / FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a JSON file of names ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ValueError(f"{path}: expected a mapping of label to a list of names")
    return {label: frozenset(map(str, texts)) for label, texts in data.items()}
