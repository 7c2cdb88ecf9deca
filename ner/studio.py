"""Label Studio round trip: labelling config, push documents with model pre-annotations, pull gold.

Documents are cut into tasks of whole paragraphs (`Part`s) so that annotators see a screenful at a
time and active learning can pick single passages. Each task keeps `doc` and `offset` in its data;
`pull` glues the annotated parts of a document back into one training document, so that train/dev
splits and `ner cv` stay per report. Every problem with the server surfaces as one `StudioError`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from .entity import Entity
from .labels import LABELS
from .labelstudio import AnnotationError, parse_export, region
from .textio import DecodeError, decode_bytes

if TYPE_CHECKING:
    from label_studio_sdk.client import LabelStudio

    from .inference import Extractor

FROM_NAME = "label"  # the names annotations/*.json already use
TO_NAME = "text"
LABEL_STYLE = {  # colour (distinct for colour-blind readers too) and hotkey per label
    "METRIC": ("#1f77b4", "1"),
    "AMOUNT": ("#ff7f0e", "2"),
    "GROWTH_RATE": ("#2ca02c", "3"),
    "PROJECT": ("#d62728", "4"),
    "ORG": ("#9467bd", "5"),
}
TEXT_SUFFIXES = (".txt", ".md")
DEFAULT_MAX_CHARS = 1500
PART_SEPARATOR = "\n"  # between the annotated parts of one document in a pulled file
IMPORT_BATCH = 200


class StudioError(RuntimeError):
    """A one-line, user-facing problem: bad input, bad token, unknown project, server down."""


@dataclass(frozen=True)
class Part:
    """One task's worth of a document: `text == document[offset:offset + len(text)]`."""

    doc: str
    offset: int
    text: str

    def data(self) -> dict:
        return {"text": self.text, "doc": self.doc, "offset": self.offset}


def label_config() -> str:
    """The labelling config: our five labels, character-level selection (Chinese has no spaces)."""
    labels = "\n".join(
        f'    <Label value="{label}" background="{LABEL_STYLE[label][0]}" hotkey="{LABEL_STYLE[label][1]}"/>'
        for label in LABELS
    )
    return (
        f'<View>\n  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </Labels>\n'
        f'  <Text name="{TO_NAME}" value="$text" granularity="symbol"/>\n</View>\n'
    )


# --- documents → tasks ---------------------------------------------------------------------------


def read_texts(inputs: Sequence[str | Path]) -> list[tuple[str, str]]:
    """(doc id, text) for .txt/.md files and folders of them (recursively, sorted).

    The id is the file name, or the path below the given folder, as in annotations/seeds.json.
    """
    docs: dict[str, str] = {}
    for item in map(Path, inputs):
        if item.is_dir():
            files = sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
            if not files:
                raise StudioError(f"{item}: no {'/'.join(TEXT_SUFFIXES)} files in this folder")
            named = [(p.relative_to(item).as_posix(), p) for p in files]
        elif item.is_file():
            if item.suffix.lower() not in TEXT_SUFFIXES:
                raise StudioError(f"{item}: not a {'/'.join(TEXT_SUFFIXES)} file")
            named = [(item.name, item)]
        else:
            raise StudioError(f"no such file or folder: {item}")
        for doc_id, path in named:
            if doc_id in docs:
                raise StudioError(f"two inputs are both called {doc_id!r}; document ids must be unique")
            try:
                docs[doc_id] = decode_bytes(path.read_bytes())
            except DecodeError as exc:
                raise StudioError(f"{path}: {exc}") from None
    return list(docs.items())


def split_document(doc_id: str, text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[Part]:
    """Pack whole paragraphs (lines) into parts of at most `max_chars`; 0 keeps the document whole.

    A paragraph longer than `max_chars` becomes a part of its own. Blank text yields no part.
    """
    lines = [(m.start(), m.end()) for m in re.finditer(r"\S(?:.*\S)?", text)]  # each line, trimmed
    if not lines:
        return []
    if max_chars <= 0:
        lines = [(lines[0][0], lines[-1][1])]
    parts: list[Part] = []
    start, end = lines[0]
    for a, b in lines[1:]:
        if b - start > max_chars:
            parts.append(Part(doc_id, start, text[start:end]))
            start = a
        end = b
    parts.append(Part(doc_id, start, text[start:end]))
    return parts


# --- model → predictions -------------------------------------------------------------------------


def model_version(extractor: Extractor) -> str:
    """Bundle folder name plus the model file's hash prefix: changes whenever the weights do."""
    digest = extractor.manifest["files"][extractor.model_file]
    return f"{extractor.path.name}-{digest[:8]}"


def confidence(entities: Sequence[Entity]) -> float:
    """How sure the model is about a task: its least confident span; 0 when it found nothing.

    A task without entities counts as maximally uncertain: either it truly has none (a quick
    check for the annotator) or the model missed everything (the most useful correction).
    """
    return min((float(e.score) for e in entities), default=0.0)


def prediction(
    entities: Sequence[Entity], version: str, from_name: str = FROM_NAME, to_name: str = TO_NAME
) -> dict:
    """A Label Studio prediction with per-span scores; the task score is `confidence`."""
    return {
        "model_version": version,
        "score": round(confidence(entities), 4),
        "result": [
            {
                "id": f"{version[-8:]}-{i}",
                **region(e.start, e.end, e.label, e.text, from_name, to_name),
                "score": round(float(e.score), 4),
            }
            for i, e in enumerate(entities)
        ],
    }


def select_uncertain(scores: Sequence[float], n: int) -> list[int]:
    """Indices of the `n` least confident tasks (ties keep input order), returned in input order."""
    ranked = sorted(range(len(scores)), key=lambda i: (scores[i], i))
    return sorted(ranked[:n])


# --- the server ----------------------------------------------------------------------------------


@contextmanager
def _server_errors(url: str) -> Iterator[None]:
    """Turn the SDK's and httpx's exceptions into one-line StudioErrors."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    try:
        yield
    except ApiError as exc:
        raise StudioError(_describe(exc, url)) from None
    except httpx.HTTPError as exc:
        raise StudioError(f"cannot reach Label Studio at {url}: {exc or type(exc).__name__}") from None


def _describe(exc, url: str) -> str:
    detail = exc.body.get("detail") or exc.body if isinstance(exc.body, dict) else exc.body
    detail = " ".join(str(detail).split())[:200]  # one line, whatever the server sent
    if exc.status_code in (401, 403):
        return f"Label Studio at {url} refused the API token (HTTP {exc.status_code}: {detail}); check --token or LABEL_STUDIO_API_KEY"
    return f"Label Studio at {url} answered HTTP {exc.status_code}: {detail}"


def connect(url: str, token: str) -> LabelStudio:
    """A client for `url`; legacy tokens and personal access tokens both work."""
    try:
        from label_studio_sdk.client import LabelStudio
    except ImportError:
        raise StudioError('label-studio-sdk is not installed: pip install -e ".[studio]"') from None

    with _server_errors(url):
        return LabelStudio(base_url=url.rstrip("/"), api_key=token, timeout=120)


def find_project(client: LabelStudio, name: str) -> int | None:
    """The id of the project titled exactly `name` (the oldest, should there be several)."""
    ids = [p.id for p in client.projects.list(title=name, page_size=100) if p.title == name]
    return min(ids) if ids else None


def _project_titles(client: LabelStudio) -> list[str]:
    return sorted(p.title or "" for p in client.projects.list(page_size=100))


@dataclass
class PushReport:
    project_id: int
    created: bool
    model_version: str
    documents: int
    pushed: int
    already_there: int
    not_selected: int


def push(
    url: str,
    token: str,
    project: str,
    docs: Sequence[tuple[str, str]],
    extractor: Extractor,
    max_chars: int = DEFAULT_MAX_CHARS,
    uncertain: int | None = None,
) -> PushReport:
    """Create the project if needed and import the documents' parts that it lacks, pre-annotated.

    Parts already in the project (same `doc` and `offset`) are skipped, so pushing again is
    harmless; keep `max_chars` fixed within a project. With `uncertain=K` only the K new parts
    the model is least sure about are imported (see `confidence`).
    """
    client = connect(url, token)
    version = model_version(extractor)
    with _server_errors(url):
        project_id = find_project(client, project)
        created = project_id is None
        if created:
            project_id = client.projects.create(title=project, label_config=label_config()).id
        present = {
            (str(t.data.get("doc")), t.data.get("offset"))
            for t in client.tasks.list(project=project_id, page_size=500)
            if isinstance(t.data, dict)
        }
    parts = [p for doc_id, text in docs for p in split_document(doc_id, text, max_chars)]
    new = [p for p in parts if (p.doc, p.offset) not in present]
    entities = extractor.extract_batch([p.text for p in new]) if new else []
    keep = list(range(len(new)))
    if uncertain is not None:
        keep = select_uncertain([confidence(e) for e in entities], uncertain)
    tasks = [{"data": new[i].data(), "predictions": [prediction(entities[i], version)]} for i in keep]
    with _server_errors(url):
        for i in range(0, len(tasks), IMPORT_BATCH):
            client.projects.import_tasks(id=project_id, request=tasks[i : i + IMPORT_BATCH])
        # pre-annotations show up in the labelling screen only for the project's model version
        client.projects.update(id=project_id, model_version=version, show_collab_predictions=True)
    return PushReport(project_id, created, version, len(docs), len(tasks), len(parts) - len(new), len(new) - len(tasks))


@dataclass
class PullReport:
    project_id: int
    documents: int
    tasks: int
    spans: int
    skipped_tasks: int


def pull(url: str, token: str, project: str, out: str | Path) -> PullReport:
    """Export the project's annotations (Label Studio JSON) into a file `ner train --data` takes."""
    client = connect(url, token)
    with _server_errors(url):
        project_id = find_project(client, project)
        if project_id is None:
            known = ", ".join(repr(t) for t in _project_titles(client)) or "none"
            raise StudioError(f"no project named {project!r} at {url} (projects there: {known})")
        raw = b"".join(client.projects.exports.download_sync(project_id, export_type="JSON"))
    try:
        exported = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise StudioError(f"the export of project {project!r} is not JSON: {exc}") from None
    try:
        merged, n_tasks, skipped = merge_parts(exported, source=f"project {project!r}")
        docs = parse_export(merged, source=str(out))  # the same check `ner train` will make
    except AnnotationError as exc:
        raise StudioError(" | ".join(exc.problems[:5]) + (" | …" if len(exc.problems) > 5 else "")) from None
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, ensure_ascii=False, indent=1), encoding="utf-8")
    return PullReport(project_id, len(docs), n_tasks, sum(len(d.spans) for d in docs), skipped)


def merge_parts(tasks: list[dict], source: str = "export") -> tuple[list[dict], int, int]:
    """One task per document from exported part tasks: (tasks, parts used, skipped parts).

    Parts are joined in offset order with PART_SEPARATOR; `data.parts` records where each sits
    (`at`) and where it came from (`offset` in the document), so every span maps back:
    document offset = span start - at + offset. Parts whose annotations were all cancelled
    (skipped by the annotator) are left out rather than taken as "no entities here".
    """
    by_doc: dict[str, list[tuple[int, int, dict]]] = defaultdict(list)
    skipped = 0
    for task in tasks:
        annotations = task.get("annotations") or []
        if not annotations:
            continue
        if all(a.get("was_cancelled") for a in annotations):
            skipped += 1
            continue
        data = task.get("data") or {}
        by_doc[str(data.get("doc") or task.get("id"))].append((int(data.get("offset") or 0), task.get("id"), task))
    merged, problems = [], []
    for doc_id, parts in sorted(by_doc.items()):
        parts.sort(key=lambda p: p[0])
        pieces: list[str] = []
        layout: list[dict] = []
        results: list[dict] = []
        at, doc_end = 0, -1
        for offset, task_id, task in parts:
            try:
                (part,) = parse_export([task], source=source)
            except AnnotationError as exc:
                problems.extend(exc.problems)
                continue
            if offset < doc_end:
                problems.append(f"{source} task {task_id}: overlaps another part of {doc_id!r} (pushed with a different --max-chars?)")
                continue
            if pieces:
                pieces.append(PART_SEPARATOR)
                at += len(PART_SEPARATOR)
            layout.append({"task": task_id, "offset": offset, "at": at, "length": len(part.text)})
            results += [
                {
                    "from_name": FROM_NAME,
                    "to_name": TO_NAME,
                    "type": "labels",
                    "value": {"start": at + s.start, "end": at + s.end, "text": part.text[s.start : s.end], "labels": [s.label]},
                }
                for s in part.spans
            ]
            pieces.append(part.text)
            at += len(part.text)
            doc_end = offset + len(part.text)
        merged.append({"id": parts[0][1], "data": {"text": "".join(pieces), "doc": doc_id, "parts": layout}, "annotations": [{"result": results}]})
    if problems:
        raise AnnotationError(problems)
    return merged, sum(len(p) for p in by_doc.values()), skipped
