"""What batching windows text by text costs on many short texts, measured in one run.

`Extractor.extract_batch` batches each text's windows apart from the others' (int8 models quantize
activations with one scale per batch, so mixing texts made a text's entities depend on its
neighbours). Short texts then fill batches poorly. The baseline is how windows were batched
before: those of all texts sorted by length and batched together. Only the model's forward passes
are timed (decoding is the same either way), on the same windows of the seed reports, whole or
cut into paragraphs or sentences, in turns; the ratio of medians is reported, as these machines are shared.
It also counts the windows whose logits differ between the two batchings (a window repeated
verbatim in the seeds is counted once).

    python scripts/bench_batching.py --bundle models/default --out docs/results/bench_batching.json
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

import numpy as np

from ner.encoding import encode_texts
from ner.inference import Extractor
from ner.windows import plan_windows

ROOT = Path(__file__).resolve().parent.parent


def units(kind: str) -> list[str]:
    """The seed reports whole, or cut into paragraphs or sentences."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    if kind == "documents":
        return texts
    split = (lambda t: t.split("\n")) if kind == "paragraphs" else (lambda t: re.split(r"(?<=[。；！？\n])", t))
    return [u for t in texts for u in split(t) if u.strip()]


def forward(extractor: Extractor, batches: list[list[list[int]]]) -> dict[tuple[int, ...], np.ndarray]:
    """Run the model over batches of windows (token ids without [CLS]/[SEP]); each window's logits."""
    out = {}
    for batch in batches:
        logits = extractor.tagger.logits_fn(*extractor.tagger.padded(batch))
        out.update((tuple(w), logits[r, 1 : len(w) + 1]) for r, w in enumerate(batch))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", default=str(ROOT / "models" / "default"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    extractor = Extractor(args.bundle, threads=args.threads)
    tagger, size = extractor.tagger, extractor.tagger.batch_size
    result = {"bundle": args.bundle, "threads": args.threads, "batch_size": size, "repeats": args.repeats}
    for kind in ("documents", "paragraphs", "sentences"):
        texts = units(kind)
        per_text = []
        for text, enc in zip(texts, encode_texts(tagger.tokenizer, texts)):
            per_text.append([enc.ids[a:b] for a, b in plan_windows(text, enc.offsets, tagger.max_length - 2, tagger.overlap)])
        text_by_text = [ws[k : k + size] for ws in per_text for k in range(0, len(ws), size)]
        mixed = sorted((w for ws in per_text for w in ws), key=len, reverse=True)
        mixed_batches = [mixed[k : k + size] for k in range(0, len(mixed), size)]
        times: dict[str, list[float]] = {"text by text": [], "mixed (baseline)": []}
        logits = {}
        for _ in range(args.repeats):
            for name, batches in (("text by text", text_by_text), ("mixed (baseline)", mixed_batches)):
                t0 = time.perf_counter()
                logits[name] = forward(extractor, batches)
                times[name].append(time.perf_counter() - t0)
        moved = [np.abs(logits["text by text"][w] - logits["mixed (baseline)"][w]).max() for w in logits["text by text"]]
        medians = {name: statistics.median(t) for name, t in times.items()}
        ratio = medians["text by text"] / medians["mixed (baseline)"]
        result[kind] = {
            "texts": len(texts), "windows": len(mixed), "batches": {"text by text": len(text_by_text), "mixed (baseline)": len(mixed_batches)},
            "median_seconds": medians, "time_ratio": round(ratio, 3),
            "windows whose logits the batching moves": int(sum(m > 0 for m in moved)), "largest logit move": float(max(moved)),
        }
        print(
            f"{kind}: {len(texts)} texts, {len(mixed)} windows; text by text takes {ratio:.2f}x the time of mixed batches; "
            f"mixing moved the logits of {sum(m > 0 for m in moved)} windows (at most by {max(moved):.3f})"
        )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
