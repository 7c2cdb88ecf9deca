"""`ner batch` on one machine: items → worker processes (one ONNX Runtime session each) → records.

Every document is extracted on its own (`extract`, windows batched within the document), so its
record depends only on its bytes and the model: not on which worker, chunk or engine ran it, and
not on whether the run was resumed. Records come back in completion order; the id is the key.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from .formats import FormatError, suffix, to_text
from .records import extract_records, records_to_rows
from .results import JsonlResults, ResultsError, write_csv, write_records_csv
from .sources import Item, Limits, Reader, list_files
from .textio import DecodeError

if TYPE_CHECKING:
    from .inference import Extractor

CHUNK_DOCS = 8  # documents per task sent to a worker
CHUNK_BYTES = 4 * 2**20
INFLIGHT_PER_WORKER = 2  # tasks queued per worker: keeps workers busy, bounds memory


@dataclass(frozen=True)
class Settings:
    """What each worker needs to turn an item into a record (picklable: sent to every worker)."""

    model: Path
    workers: int = 1
    threads: int = 1  # ONNX Runtime threads per worker; see default_threads
    max_chars: int = 2_000_000
    limits: Limits = Limits()
    records: bool = False  # also pair entities into indicator records (ner records)


def default_threads(workers: int) -> int:
    """Threads per worker so that workers × threads = this machine's cores."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // workers)


def record(item: Item, extractor: Extractor, settings: Settings) -> dict:
    """The output record of one item; any failure becomes the record's `error`, never an exception."""
    if item.error is not None:
        return _failed(item.id, item.error)
    try:
        text = to_text(item.id, item.data, settings.limits.max_member_bytes)
    except (DecodeError, FormatError) as exc:
        return _failed(item.id, str(exc))
    except Exception as exc:  # parsers of broken PDFs and Word files raise anything
        return _failed(item.id, f"cannot read {suffix(item.id)} file: {type(exc).__name__}: {exc}")
    try:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    except UnicodeEncodeError:
        return _failed(item.id, "text holds unpaired surrogates (invalid Unicode)")
    head = {"id": item.id, "chars": len(text), "sha256": digest}
    if len(text) > settings.max_chars:
        return {**head, "entities": [], "error": f"{len(text):,} characters, over --max-chars {settings.max_chars:,}"}
    try:
        entities = extractor.extract(text)
    except Exception as exc:  # one bad document must not end a run of thousands
        return {**head, "entities": [], "error": f"extraction failed: {type(exc).__name__}: {exc}"}
    rec = {**head, "entities": [e.to_dict() for e in entities]}
    if settings.records:
        rec["records"] = records_to_rows(extract_records(text, entities))
    return rec


def _failed(doc_id: str, error: str) -> dict:
    return {"id": doc_id, "chars": None, "sha256": None, "entities": [], "error": error}


@dataclass
class Summary:
    """What a run did: counts for the table printed at the end."""

    documents: int = 0
    failures: int = 0
    chars: int = 0
    labels: Counter = field(default_factory=Counter)
    already_done: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    examples: list[tuple[str, str]] = field(default_factory=list)  # first failures, for the table

    def add(self, rec: dict) -> None:
        self.documents += 1
        self.chars += rec["chars"] or 0
        self.labels.update(e["label"] for e in rec["entities"])
        if "error" in rec:
            self.failures += 1
            if len(self.examples) < 5:
                self.examples.append((rec["id"], rec["error"]))

    def table(self) -> str:
        secs = max(self.seconds, 1e-9)
        rows = [("documents", f"{self.documents:,}"), ("failures", f"{self.failures:,}")]
        if self.already_done:
            rows.append(("already done", f"{self.already_done:,} (skipped, --resume)"))
        if self.duplicates:
            rows.append(("duplicate ids", f"{self.duplicates:,} (skipped)"))
        rows.append(("entities", f"{sum(self.labels.values()):,}"))
        rows += [(f"  {label}", f"{n:,}") for label, n in sorted(self.labels.items())]
        rows += [
            ("characters", f"{self.chars:,}"),
            ("time", f"{self.seconds:.1f} s"),
            ("throughput", f"{self.documents / secs:,.1f} documents/s, {self.chars / secs:,.0f} characters/s"),
        ]
        lines = [f"{k:<16} {v}" for k, v in rows]
        lines += [f"failed: {doc_id}: {error}" for doc_id, error in self.examples]
        return "\n".join(lines)


class Progress:
    """tqdm bar over documents (documents/s) with characters/s alongside; silent when not a TTY."""

    def __init__(self, summary: Summary, enabled: bool | None = None):
        from tqdm import tqdm

        self.summary = summary
        self.start = time.perf_counter()
        self.bar = tqdm(unit="doc", dynamic_ncols=True, disable=None if enabled is None else not enabled)

    def update(self) -> None:
        self.bar.update(1)
        elapsed = time.perf_counter() - self.start
        self.bar.set_postfix_str(f"{self.summary.chars / max(elapsed, 1e-9):,.0f} chars/s", refresh=False)

    def close(self) -> None:
        self.bar.close()
        self.summary.seconds = time.perf_counter() - self.start


def chunks(items: Iterable[Item]) -> Iterator[list[Item]]:
    """Group items into worker tasks of at most CHUNK_DOCS documents or about CHUNK_BYTES."""
    chunk: list[Item] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item.data) if item.data is not None else 0
        if len(chunk) >= CHUNK_DOCS or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


_worker: tuple[Extractor, Settings] | None = None  # this worker process's extractor and settings


def _init_worker(settings: Settings) -> None:
    global _worker
    from .inference import Extractor

    _worker = (Extractor(settings.model, threads=settings.threads), settings)


def _run_chunk(chunk: list[Item]) -> list[dict]:
    extractor, settings = _worker
    return [record(item, extractor, settings) for item in chunk]


def run_local(items: Iterable[Item], settings: Settings, emit: Callable[[dict], None]) -> None:
    """Records of all items, passed to `emit` in the calling process as they complete.

    With one worker everything runs in this process; with more, a spawn-started pool (no fork of
    a process holding threads) gets at most INFLIGHT_PER_WORKER tasks per worker at a time, so
    reading never runs ahead of extraction by more than that.
    """
    if settings.workers == 1:
        from .inference import Extractor

        extractor = Extractor(settings.model, threads=settings.threads)
        for item in items:
            emit(record(item, extractor, settings))
        return
    import multiprocessing as mp

    with ProcessPoolExecutor(
        settings.workers, mp_context=mp.get_context("spawn"), initializer=_init_worker, initargs=(settings,)
    ) as pool:
        pending: set = set()
        for chunk in chunks(items):
            pending.add(pool.submit(_run_chunk, chunk))
            if len(pending) >= INFLIGHT_PER_WORKER * settings.workers:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    for rec in future.result():
                        emit(rec)
        for future in as_completed(pending):
            for rec in future.result():
                emit(rec)


def run_batch(
    inputs: Sequence[str],
    out: str | Path,
    settings: Settings,
    reader: Reader,
    *,
    fmt: str = "jsonl",
    engine: str = "local",
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
) -> Summary:
    """Run the whole batch: read, extract, write each document's record exactly once, summarise.

    For CSV the JSON lines go to `<out>.jsonl` (the journal that --resume reads) and the table
    is rendered from it at the end.
    """
    out = Path(out)
    journal = out if fmt == "jsonl" else out.with_name(out.name + ".jsonl")
    if fmt == "csv" and out.exists() and not (resume or overwrite):
        raise ResultsError(f"{out} exists; pass --resume to continue it or --overwrite to replace it")
    summary = Summary()
    with JsonlResults(journal, resume=resume, overwrite=overwrite) as results:
        done_before = frozenset(results.done)
        summary.already_done = len(done_before)
        bar = Progress(summary, progress)

        def emit(rec: dict) -> None:
            if rec["id"] in results.done:  # the same document reached twice (an input given twice)
                summary.duplicates += 1
                return
            results.write(rec)
            summary.add(rec)
            bar.update()

        try:
            if engine == "ray":
                from .batch_ray import run_ray

                run_ray(list(list_files(inputs, exclude=[out, journal])), reader, settings, done_before, emit)
            else:
                items = (i for i in reader.items(inputs, exclude=[out, journal]) if i.id not in done_before)
                run_local(items, settings, emit)
        finally:
            bar.close()
    if fmt == "csv":
        (write_records_csv if settings.records else write_csv)(journal, out)
    return summary
