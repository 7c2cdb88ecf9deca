"""The inference bundle's manifest: what a bundle holds, and proof that its files are intact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1


class BundleError(RuntimeError):
    """A bundle that is missing files or whose files do not match its manifest."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(bundle: Path, settings: dict) -> dict:
    """Hash every file of the bundle (but the manifest itself) and write manifest.json."""
    files = {
        p.relative_to(bundle).as_posix(): sha256_file(p)
        for p in sorted(bundle.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    manifest = {"format": FORMAT, **settings, "files": files}
    (bundle / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def read_manifest(bundle: Path, verify: bool = True) -> dict:
    """Read manifest.json and, with `verify`, refuse a bundle whose files do not match it."""
    path = bundle / MANIFEST
    if not path.is_file():
        raise BundleError(f"{bundle} is not an inference bundle: no {MANIFEST} (make one with `ner export`)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{path} is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BundleError(f"{path}: unsupported manifest (format {manifest.get('format')!r})")
    if verify:
        bad = []
        for name, digest in manifest["files"].items():
            file = bundle / name
            if not file.is_file():
                bad.append(f"{name} is missing")
            elif sha256_file(file) != digest:
                bad.append(f"{name} does not match its sha256 in the manifest")
        if bad:
            raise BundleError(f"bundle {bundle} is damaged or was modified: " + "; ".join(bad))
    return manifest
