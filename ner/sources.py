"""Documents from folders, archives and JSON lines, as `Item(id, bytes or text)` with errors as values.

Archives (.zip, .tar, .tar.gz/.tgz, .tar.bz2, .tar.xz) are read member by member in memory and
nothing is written to disk. Members are hostile until proven otherwise: `..` and absolute names,
links and device files become error items; every member is read with a bounded read, and a
per-member and a per-archive (total uncompressed) limit stop decompression bombs without
inflating them. Archives inside archives are expanded too, sharing the outer archive's budget.
Ids are the input path as given followed by the path inside the archive, e.g.
`reports.zip/2022/a.txt`; a JSON line is `<file>#<id field>` or, without one, `<file>:<line number>`.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import json
import lzma
import os
import re
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator

from .textio import DecodeError, decode_bytes

TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
MAX_DEPTH = 4  # archives inside archives; stops zip quines
MB = 2**20


@dataclass(frozen=True)
class Limits:
    """Bounds on what one input may make us inflate and hold in memory."""

    max_member_bytes: int = 200 * MB  # one document (file, archive member or JSON line)
    max_archive_bytes: int = 2048 * MB  # all members of one top-level archive, uncompressed


@dataclass(frozen=True)
class Item:
    """One document: raw bytes (format decided by the id's extension), text (JSON lines), or an error."""

    id: str
    data: bytes | str | None = None
    error: str | None = None


class _Budget:
    """Uncompressed bytes one top-level input may still produce."""

    def __init__(self, limit: int):
        self.limit = limit
        self.left = limit


def kind(name: str) -> str:
    """'zip', 'tar', 'jsonl' for containers, else 'file'."""
    lower = name.lower()
    if lower.endswith(".zip"):
        return "zip"
    if lower.endswith(TAR_SUFFIXES):
        return "tar"
    if lower.endswith(".jsonl"):
        return "jsonl"
    return "file"


def list_files(inputs: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[tuple[str, str]]:
    """`(id, path)` for each input file and each file under an input folder, in sorted order.

    Folder symlinks are not followed (they are listed, and become error items); paths in
    `exclude` (our own output files) are left out.
    """
    excluded = {os.path.realpath(p) for p in exclude}
    for given in inputs:
        top = Path(given).as_posix()
        if not os.path.isdir(given):
            if os.path.realpath(given) not in excluded:
                yield valid_name(top), given
            continue
        for root, dirs, files in os.walk(given):
            dirs.sort()
            rel = Path(os.path.relpath(root, given)).as_posix()
            prefix = top if rel == "." else f"{top}/{rel}"
            links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
            for name in sorted(files + links):
                path = os.path.join(root, name)
                if os.path.realpath(path) not in excluded:
                    yield valid_name(f"{prefix}/{name}"), path


class Reader:
    """Turns input paths into items; one instance holds the limits and JSON field names."""

    def __init__(self, limits: Limits = Limits(), text_field: str = "text", id_field: str = "id"):
        self.limits = limits
        self.text_field = text_field
        self.id_field = id_field

    def items(self, inputs: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[Item]:
        for doc_id, path in list_files(inputs, exclude):
            yield from self.file(doc_id, path)

    def file(self, doc_id: str, path: str) -> Iterator[Item]:
        """Items of one file on disk; archives and JSON lines are streamed, not loaded whole."""
        try:
            if os.path.islink(path) and os.path.isdir(path):
                yield Item(doc_id, error="symbolic link to a folder, not followed")
                return
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                yield Item(doc_id, error="not a regular file")
                return
            container = kind(doc_id)
            if container != "file":
                with open(path, "rb") as f:
                    yield from self._container(doc_id, container, f, 0, _Budget(self.limits.max_archive_bytes))
                return
            if st.st_size > self.limits.max_member_bytes:
                yield Item(doc_id, error=_too_big(st.st_size, self.limits.max_member_bytes))
                return
            with open(path, "rb") as f:
                data = f.read(self.limits.max_member_bytes + 1)  # bounded: the file may have grown
            if len(data) > self.limits.max_member_bytes:
                yield Item(doc_id, error=_too_big(len(data), self.limits.max_member_bytes))
            else:
                yield Item(doc_id, data)
        except OSError as exc:
            yield Item(doc_id, error=f"cannot read: {exc.strerror or exc}")

    def _container(self, doc_id: str, container: str, f: IO[bytes], depth: int, budget: _Budget) -> Iterator[Item]:
        if depth >= MAX_DEPTH:
            yield Item(doc_id, error=f"archive nested deeper than {MAX_DEPTH} levels, not read")
            return
        read = {"zip": self._zip, "tar": self._tar, "jsonl": self._jsonl}[container]
        try:
            yield from read(doc_id, f, depth, budget)
        except Exception as exc:  # a malformed archive can make the standard library raise anything
            yield Item(doc_id, error=f"corrupt {container} file: {type(exc).__name__}: {exc}")

    def _member(self, member_id: str, data: bytes, depth: int, budget: _Budget) -> Iterator[Item]:
        container = kind(member_id)
        if container == "file":
            yield Item(member_id, data)
        else:
            yield from self._container(member_id, container, io.BytesIO(data), depth + 1, budget)

    def _zip(self, doc_id: str, f: IO[bytes], depth: int, budget: _Budget) -> Iterator[Item]:
        with zipfile.ZipFile(f) as archive:
            for info in archive.infolist():
                name = _zip_name(info)
                member_id = f"{doc_id}/{name}"
                if info.is_dir():
                    continue
                problem = _unsafe_name(name) or _zip_type_problem(info)
                if problem:
                    yield Item(member_id, error=problem)
                    continue
                if info.file_size > self.limits.max_member_bytes:
                    yield Item(member_id, error=_too_big(info.file_size, self.limits.max_member_bytes))
                    continue
                if info.file_size > budget.left:
                    yield Item(doc_id, error=_over_budget(budget))
                    return
                try:
                    with archive.open(info) as member:
                        # bounded: zipfile never yields more than the declared size checked above
                        data = member.read(info.file_size)
                except Exception as exc:  # bad compression data, unknown method: this member only
                    yield Item(member_id, error=f"cannot read member: {type(exc).__name__}: {exc}")
                    continue
                budget.left -= len(data)
                if zlib.crc32(data) != info.CRC:  # e.g. a header that understates the size
                    yield Item(member_id, error="corrupt member (CRC mismatch), skipped")
                    continue
                yield from self._member(member_id, data, depth, budget)

    def _tar(self, doc_id: str, f: IO[bytes], depth: int, budget: _Budget) -> Iterator[Item]:
        # stream mode: members in order, no seeking, so a .tar.gz is inflated once, sequentially
        with _decompressed(f) as raw, tarfile.open(fileobj=raw, mode="r|") as archive:
            for info in archive:
                member_id = f"{doc_id}/{valid_name(info.name)}"
                if info.isdir():
                    continue
                problem = _unsafe_name(info.name) or _tar_type_problem(info)
                if problem:
                    yield Item(member_id, error=problem)
                    continue
                # skipping a member inflates it too, so every member counts against the budget
                if info.size > budget.left:
                    yield Item(doc_id, error=_over_budget(budget))
                    return
                budget.left -= info.size
                if info.size > self.limits.max_member_bytes:
                    yield Item(member_id, error=_too_big(info.size, self.limits.max_member_bytes))
                    continue
                member = archive.extractfile(info)
                data = member.read(info.size) if member else b""  # size checked above
                yield from self._member(member_id, data, depth, budget)

    def _jsonl(self, doc_id: str, f: IO[bytes], depth: int, budget: _Budget) -> Iterator[Item]:
        limit = self.limits.max_member_bytes
        for lineno, raw in enumerate(_bounded_lines(f, limit), start=1):
            line_id = f"{doc_id}:{lineno}"
            if raw is None:
                yield Item(line_id, error=f"line longer than the {limit:,}-byte document limit")
                continue
            if not raw.strip():
                continue
            try:
                record = json.loads(decode_bytes(raw))
            except (DecodeError, ValueError) as exc:
                yield Item(line_id, error=f"not a JSON line: {exc}")
                continue
            if not isinstance(record, dict):
                yield Item(line_id, error="JSON line is not an object")
                continue
            key = record.get(self.id_field)
            item_id = valid_name(f"{doc_id}#{key}") if key not in (None, "") else line_id
            text = record.get(self.text_field)
            if not isinstance(text, str):
                yield Item(item_id, error=f"no text field {self.text_field!r} (a string) in this line")
                continue
            yield Item(item_id, text)


def _decompressed(f: IO[bytes]) -> contextlib.AbstractContextManager[IO[bytes]]:
    """`f` itself, or a reader that inflates it on demand: unlike tarfile's own "r|gz" stream
    (which inflates a block of input at once, up to ~1000x its size), these bound each read."""
    magic = f.read(6)
    f.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=f, mode="rb")
    if magic.startswith(b"BZh"):
        return bz2.BZ2File(f)
    if magic == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(f)
    return contextlib.nullcontext(f)


def _bounded_lines(f: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """Lines of `f`, each read with a bounded read; a longer line is drained and yields None."""
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = f.readline(MB)
            yield None
        else:
            yield line


def valid_name(name: str) -> str:
    """`name` as valid Unicode: file systems and tar headers hand undecodable bytes over as
    surrogate escapes (typically GBK names on a UTF-8 system), which are decoded here instead."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        return decode_bytes(name.encode("utf-8", "surrogateescape"))
    except (UnicodeEncodeError, DecodeError):
        return name.encode("utf-8", "replace").decode("utf-8")


def _unsafe_name(name: str) -> str | None:
    """Why a member name is refused: absolute, or with `..` (never extracted, but never trusted)."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"[A-Za-z]:", posix):
        return "absolute path in archive, skipped"
    if ".." in posix.split("/"):
        return "path with '..' in archive, skipped"
    return None


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Member name; names without the UTF-8 flag (Chinese Windows zips: GBK) are re-decoded."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return decode_bytes(info.filename.encode("cp437"))
    except (UnicodeEncodeError, DecodeError):
        return info.filename


def _zip_type_problem(info: zipfile.ZipInfo) -> str | None:
    file_type = stat.S_IFMT(info.external_attr >> 16)
    if info.create_system == 3 and file_type not in (0, stat.S_IFREG):  # 3: Unix, which records the type
        return "symbolic link in archive, skipped" if file_type == stat.S_IFLNK else "special file in archive, skipped"
    if info.flag_bits & 0x1:
        return "encrypted member, skipped"
    return None


def _tar_type_problem(info: tarfile.TarInfo) -> str | None:
    if info.issym() or info.islnk():
        return "link in archive, skipped"
    if info.ischr() or info.isblk():
        return "device file in archive, skipped"
    if not info.isreg():
        return "special file in archive, skipped"
    return None


def _too_big(size: int, limit: int) -> str:
    return f"{size:,} bytes, over the {limit:,}-byte document limit"


def _over_budget(budget: _Budget) -> str:
    return f"archive exceeds the {budget.limit:,}-byte total uncompressed limit; the rest was not read"
