"""The batch output file: JSON lines written so a killed run leaves only whole lines, and resumed.

Each record is one `os.write` of one line to a file opened with O_APPEND, so a SIGKILL can at
worst leave a partial last line; `--resume` cuts that line off and skips every id already
present. A CSV table is rendered from the JSON lines (the journal) at the end of a run.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Callable, Iterator, Sequence

CSV_COLUMNS = ("id", "chars", "sha256", "error", "start", "end", "label", "text", "score", "normalized")
RECORD_COLUMNS = (
    "metric", "amount", "amount_value", "amount_unit", "growth_rate", "growth_value", "growth_unit", "basis", "period", "sentence",
)


class ResultsError(RuntimeError):
    """An output file we must not touch, or one that is not ours to resume."""


def json_line(record: dict) -> str:
    """One record as a JSON line; nested value objects (normalised amounts) serialise via to_dict."""
    return json.dumps(record, ensure_ascii=False, default=_jsonable) + "\n"


def _jsonable(obj):
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


class JsonlResults:
    """Append-only JSON lines output with the set of ids it already holds (`done`)."""

    def __init__(self, path: str | Path, resume: bool = False, overwrite: bool = False):
        self.path = Path(path)
        self.done: set[str] = set()
        if self.path.exists() and not (resume or overwrite):
            raise ResultsError(f"{self.path} exists; pass --resume to continue it or --overwrite to replace it")
        if resume and self.path.exists():
            self.done = _recover(self.path)
        elif self.path.exists():
            self.path.unlink()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, record: dict) -> None:
        """Append one record as one line with one write (looping only on a short write)."""
        data = memoryview(json_line(record).encode("utf-8"))
        while data:
            data = data[os.write(self._fd, data) :]
        self.done.add(record["id"])

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> "JsonlResults":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _recover(path: Path) -> set[str]:
    """Ids of the complete lines of `path`; a partial last line (a killed write) is cut off."""
    done: set[str] = set()
    end = 0  # offset just past the last complete line
    with path.open("rb") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.endswith(b"\n"):
                break
            try:
                done.add(json.loads(line)["id"])
            except (ValueError, KeyError, TypeError):
                raise ResultsError(f"{path}:{lineno} is not a batch result line; not resuming into it") from None
            end += len(line)
    if end < path.stat().st_size:
        os.truncate(path, end)
    return done


def write_csv(journal: str | Path, out: str | Path) -> None:
    """Render the journal as CSV, one row per entity (one row with empty entity cells for a
    document without entities or with an error), replacing `out` atomically."""

    def rows(r: dict, head: list) -> Iterator[list]:
        for e in r["entities"]:
            normalized = json.dumps(e["normalized"], ensure_ascii=False) if "normalized" in e else ""
            yield [*head, e["start"], e["end"], e["label"], e["text"], e["score"], normalized]

    _render_csv(journal, out, CSV_COLUMNS, rows)


def write_records_csv(journal: str | Path, out: str | Path) -> None:
    """Render a `ner records` journal as CSV, one row per indicator record."""

    def rows(r: dict, head: list) -> Iterator[list]:
        for rec in r.get("records", []):
            yield [*head, *(rec[c] for c in RECORD_COLUMNS)]

    _render_csv(journal, out, ("id", "chars", "sha256", "error", *RECORD_COLUMNS), rows)


def _render_csv(journal: str | Path, out: str | Path, columns: Sequence[str], rows: Callable) -> None:
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    with Path(journal).open(encoding="utf-8") as src, tmp.open("w", encoding="utf-8-sig", newline="") as dst:
        writer = csv.writer(dst)
        writer.writerow(columns)
        for line in src:
            r = json.loads(line)
            head = [r["id"], r.get("chars"), r.get("sha256"), r.get("error", "")]
            wrote = False
            for row in rows(r, head):
                writer.writerow(row)
                wrote = True
            if not wrote:
                writer.writerow(head + [""] * (len(columns) - len(head)))
    os.replace(tmp, out)
