"""`ner batch --engine ray`: the same records, computed on a Ray cluster.

Ray Data reads the inputs (one task per input file expands it with the same `Reader`, so ids,
limits and error records are identical), and `map_batches` runs an actor pool in which each
actor loads the ONNX bundle once. The driver writes the records through the same output file,
so --resume works the same. `ray.init()` joins the cluster named by RAY_ADDRESS, else starts a
local one. Input paths and the model directory must be readable at the same path on every node.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .batch import CHUNK_DOCS, Settings, record
from .results import json_line
from .sources import Item, Reader


def _expand(row: dict, reader: Reader, skip: frozenset[str]) -> Iterator[dict]:
    """Rows of one input file: one per document not yet done, in a schema Arrow can hold."""
    for item in reader.file(row["id"], row["path"]):
        if item.id in skip:
            continue
        is_text = isinstance(item.data, str)
        data = item.data.encode("utf-8", "surrogatepass") if is_text else item.data or b""
        yield {"id": item.id, "data": data, "is_text": is_text, "error": item.error or ""}


class _Tagger:
    """An actor: loads the bundle once, then turns batches of rows into JSON lines."""

    def __init__(self, settings: Settings):
        from .inference import Extractor

        self.settings = settings
        self.extractor = Extractor(settings.model, threads=settings.threads)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        lines = []
        for doc_id, data, is_text, error in zip(batch["id"], batch["data"], batch["is_text"], batch["error"]):
            payload = bytes(data).decode("utf-8", "surrogatepass") if is_text else bytes(data)
            item = Item(str(doc_id), None if error else payload, str(error) or None)
            lines.append(json_line(record(item, self.extractor, self.settings)))
        return {"record": np.array(lines, dtype=object)}


class EngineError(RuntimeError):
    """Ray could not be reached, or the Ray job failed."""


def run_ray(
    files: list[tuple[str, str]], reader: Reader, settings: Settings, done: frozenset[str], emit: Callable[[dict], None]
) -> None:
    """Records of every document in `files` that is not in `done`, passed to `emit` on the driver."""
    import ray

    if not ray.is_initialized():
        try:
            ray.init()
        except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError for a bad address
            raise EngineError(f"cannot start or reach Ray (RAY_ADDRESS={os.environ.get('RAY_ADDRESS')}): {exc}") from None
    ray.data.DataContext.get_current().enable_progress_bars = False  # the driver shows its own
    # Ray workers do not share the driver's working directory: absolute paths, ids as given
    settings = replace(settings, model=Path(settings.model).absolute())
    ds = ray.data.from_items([{"id": i, "path": os.path.abspath(p)} for i, p in files])
    # reading reserves no CPU: the actors may hold all of them (a reservation here would deadlock)
    ds = ds.flat_map(_expand, fn_kwargs={"reader": reader, "skip": done}, num_cpus=0)
    ds = ds.map_batches(
        _Tagger,
        fn_constructor_kwargs={"settings": settings},
        batch_size=CHUNK_DOCS,
        compute=ray.data.ActorPoolStrategy(size=settings.workers),
        num_cpus=settings.threads,
    )
    try:
        for row in ds.iter_rows():
            emit(json.loads(row["record"]))
    except ray.exceptions.RayError as exc:
        raise EngineError(f"the Ray job failed: {exc}") from None
