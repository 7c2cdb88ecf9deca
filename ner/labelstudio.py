"""Read Label Studio exports (JSON, JSON-MIN, a single task, or a folder of them) into Documents.

Every span is validated against the guidelines' contract: offsets inside the text, the stored
text equal to `text[start:end]`, a known label, no overlaps. Problems are collected for the whole
export and raised together, each naming its task id; nothing is dropped silently.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterable

from .entity import Document, Span
from .labels import LABELS

log = logging.getLogger(__name__)

REPAIR_RADIUS = 20  # how far a stored span text is searched for when its offsets are off


class AnnotationError(ValueError):
    """A Label Studio export that cannot be used as training data; lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        head = f"{len(problems)} problem(s) in the annotations:\n  "
        super().__init__(head + "\n  ".join(problems[:50]) + ("\n  …" if len(problems) > 50 else ""))


def load_documents(
    path: str | Path, text_field: str = "text", labels: Iterable[str] = LABELS
) -> list[Document]:
    """Load gold documents from an export file or a folder of export files (*.json, sorted)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if p.is_file())
        if not files:
            raise AnnotationError([f"{path}: no *.json export in this folder"])
    elif path.is_file():
        files = [path]
    else:
        raise FileNotFoundError(f"no such annotation file or folder: {path}")
    docs: list[Document] = []
    problems: list[str] = []
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{file}: not a JSON file ({exc})")
            continue
        try:
            docs.extend(parse_export(data, text_field=text_field, labels=labels, source=str(file)))
        except AnnotationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise AnnotationError(problems)
    _check_unique_ids(docs)
    return docs


def parse_export(
    data: Any, text_field: str = "text", labels: Iterable[str] = LABELS, source: str = "export"
) -> list[Document]:
    """Parse the decoded JSON of one export (list of tasks, one task, or JSON-MIN rows)."""
    tasks = [data] if isinstance(data, dict) else data
    if not isinstance(tasks, list):
        raise AnnotationError([f"{source}: expected a list of tasks or one task, got {type(data).__name__}"])
    label_set = set(labels)
    docs, problems = [], []
    for i, task in enumerate(tasks):
        tid = task.get("id", f"#{i}") if isinstance(task, dict) else f"#{i}"
        where = f"{source} task {tid}"
        if not isinstance(task, dict):
            problems.append(f"{where}: a task must be a JSON object")
            continue
        text, results = _task_text_and_results(task, text_field, where, problems)
        if text is None:
            continue
        spans = _validate(text, results, label_set, where, problems)
        doc_id = str(_task_data(task).get("doc") or tid)
        docs.append(Document(id=doc_id, text=text, spans=spans))
    if problems:
        raise AnnotationError(problems)
    return docs


def _task_data(task: dict) -> dict:
    return task["data"] if isinstance(task.get("data"), dict) else task


def _task_text_and_results(
    task: dict, text_field: str, where: str, problems: list[str]
) -> tuple[str | None, list[dict]]:
    data = _task_data(task)
    text = data.get(text_field)
    if not isinstance(text, str):
        problems.append(f"{where}: no text in field {text_field!r}")
        return None, []
    if "annotations" in task:  # full JSON export: newest non-cancelled annotation wins
        live = [a for a in task["annotations"] if not a.get("was_cancelled")]
        if not live:
            return text, []
        newest = max(live, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), a.get("id") or 0))
        results = [r for r in newest.get("result", []) if r.get("type", "labels") == "labels"]
        return text, [r.get("value", {}) for r in results]
    # JSON-MIN: label regions sit under the control tag's name (any list of dicts with labels)
    regions = [
        r for key, value in task.items() if key != text_field and isinstance(value, list)
        for r in value if isinstance(r, dict) and "labels" in r
    ]
    return text, regions


def _validate(text: str, values: list[dict], label_set: set[str], where: str, problems: list[str]) -> list[Span]:
    spans: set[Span] = set()
    for v in values:
        try:
            start, end = int(v["start"]), int(v["end"])
            (label,) = v["labels"]
        except (KeyError, TypeError, ValueError):
            problems.append(f"{where}: malformed region {json.dumps(v, ensure_ascii=False)[:120]}")
            continue
        at = f"{where} [{start}:{end}] {label!r}"
        if label not in label_set:
            problems.append(f"{at}: unknown label (known: {', '.join(sorted(label_set))})")
            continue
        stored = v.get("text")
        outside = not 0 <= start < end <= len(text)
        if outside or (stored is not None and text[start:end] != stored):
            problem = (
                f"offsets outside the text (length {len(text)})" if outside
                else f"text is {text[start:end]!r} but the export says {stored!r}"
            )
            fixed = _repair(text, stored, start)
            if fixed is None:
                problems.append(f"{at}: {problem}")
                continue
            log.warning("%s: %s; the stored text is at [%d:%d], offsets repaired", at, problem, *fixed)
            start, end = fixed
        spans.add(Span(start, end, label))
    ordered = sorted(spans, key=lambda s: (s.start, s.end, s.label))
    for a, b in zip(ordered, ordered[1:]):
        if b.start < a.end:
            problems.append(
                f"{where}: overlapping spans [{a.start}:{a.end}] {a.label} {text[a.start:a.end]!r} "
                f"and [{b.start}:{b.end}] {b.label} {text[b.start:b.end]!r}"
            )
    return ordered


def _repair(text: str, stored: Any, start: int) -> tuple[int, int] | None:
    """Find `stored` near `start`; only a single unambiguous hit counts as a repair."""
    if not isinstance(stored, str) or not stored:
        return None
    lo = max(0, start - REPAIR_RADIUS)
    window = text[lo : start + len(stored) + REPAIR_RADIUS]
    hits = [i for i in range(len(window)) if window.startswith(stored, i)]
    if len(hits) != 1:
        return None
    return lo + hits[0], lo + hits[0] + len(stored)


def _check_unique_ids(docs: list[Document]) -> None:
    seen: dict[str, int] = {}
    for doc in docs:
        seen[doc.id] = seen.get(doc.id, 0) + 1
    dup = [k for k, n in seen.items() if n > 1]
    if dup:
        raise AnnotationError([f"document id {d!r} appears in more than one task" for d in dup])


def region(start: int, end: int, label: str, text: str, from_name: str = "label", to_name: str = "text") -> dict:
    """One labelled span as a Label Studio result region (the shape `parse_export` reads back)."""
    return {
        "from_name": from_name, "to_name": to_name, "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }


def to_tasks(docs: Iterable[Document], source: str = "ner") -> list[dict]:
    """Documents as a Label Studio JSON export (one task each), readable back by `load_documents`.

    `source` goes in each annotation's `completed_by`, so machine labels stay distinguishable
    from human ones once imported into Label Studio.
    """
    return [
        {
            "id": i,
            "data": {"text": d.text, "doc": d.id},
            "annotations": [{
                "completed_by": source,
                "result": [region(s.start, s.end, s.label, d.text[s.start : s.end]) for s in d.spans],
            }],
        }
        for i, d in enumerate(docs, 1)
    ]
