"""CPU speed of the three ways to run the same fine-tuned weights, measured in one run.

(a) Hugging Face `pipeline("token-classification", aggregation_strategy="simple")` on PyTorch,
called as its documentation shows (a list of texts, default batch size 1), and the same pipeline
with `batch_size=16`, a stronger baseline; (b) our fp32 ONNX bundle, (c) our int8 ONNX bundle. Each engine runs in its own process (so peak
RSS is its own) over the same texts: the paragraphs of the five seed reports, and (ONNX only)
the whole documents. Speed is reported as a ratio against (a), because these machines are shared
and noisy; absolute numbers are for orientation only.

    ner train --config configs/default.yaml --out models/default-torch
    ner export --model models/default-torch --out models/default-fp32
    python scripts/bench.py --torch-model models/default-torch --bundle models/default-fp32 --threads 2
    # a smaller model's int8 bundle in the same run:
    python scripts/bench.py ... --also runs/bundles/m3e-small-2layers
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("hf-pipeline", "hf-pipeline-b16", "fp32", "int8")  # the first is the baseline (a)


def paragraphs(limit_chars: int) -> list[str]:
    out, total = [], 0
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and total < limit_chars:
                out.append(line)
                total += len(line)
    return out


def documents() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]


def _engine(kind: str, torch_model: str, bundle: str, threads: int):
    """Return a function texts -> None that runs one engine over texts."""
    if kind.startswith("hf-pipeline"):
        import torch
        from transformers import pipeline

        torch.set_num_threads(threads)
        pipe = pipeline("token-classification", model=torch_model, aggregation_strategy="simple", device=-1)
        batch_size = 16 if kind == "hf-pipeline-b16" else 1
        return lambda texts: pipe(list(texts), batch_size=batch_size)
    from ner.inference import Extractor

    ex = Extractor(bundle, threads=threads, precision=kind)
    return lambda texts: ex.extract_batch(list(texts))


def _worker(kind, torch_model, bundle, threads, limit_chars, queue):
    run = _engine(kind, torch_model, bundle, threads)
    paras = paragraphs(limit_chars)
    run(paras[:8])  # warm-up
    t = time.perf_counter()
    run(paras)
    para_s = time.perf_counter() - t
    short = [p for p in paras if 150 <= len(p) <= 250][:60]
    lat = []
    for p in short:
        t = time.perf_counter()
        run([p])
        lat.append((time.perf_counter() - t) * 1000)
    result = {
        "engine": kind,
        "paragraph_chars_per_s": sum(map(len, paras)) / para_s,
        "p50_ms": statistics.median(lat),
        "p95_ms": statistics.quantiles(lat, n=20)[-1] if len(lat) >= 20 else max(lat),
        "latency_text_chars": round(statistics.mean(map(len, short))),
    }
    if not kind.startswith("hf-pipeline"):
        docs = documents()
        t = time.perf_counter()
        run(docs)
        result["document_chars_per_s"] = sum(map(len, docs)) / (time.perf_counter() - t)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--torch-model", required=True, help="model directory from `ner train`")
    parser.add_argument("--bundle", required=True, help="bundle from `ner export` holding fp32 and int8")
    parser.add_argument(
        "--also", nargs="*", default=[], metavar="BUNDLE",
        help="other bundles (a smaller model, say) whose int8 model runs in the same session, for a fair ratio",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--chars", type=int, default=30000, help="characters of paragraphs to run")
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    results = []
    runs = [(kind, args.bundle, kind) for kind in ENGINES]
    runs += [("int8", extra, f"int8 {Path(extra).name}") for extra in args.also]
    for kind, bundle, name in runs:
        queue = ctx.Queue()
        proc = ctx.Process(target=_worker, args=(kind, args.torch_model, bundle, args.threads, args.chars, queue))
        proc.start()
        results.append({**queue.get(), "engine": name})
        proc.join()
    base, base16 = (r["paragraph_chars_per_s"] for r in results[:2])
    print(
        f"{'engine':<24} {'chars/s':>9} {'×HF':>6} {'×HF b16':>8} {'doc chars/s':>12} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'RSS MB':>7}"
    )
    for r in results:
        r["speedup_vs_hf"] = r["paragraph_chars_per_s"] / base
        r["speedup_vs_hf_b16"] = r["paragraph_chars_per_s"] / base16
        doc = f"{r['document_chars_per_s']:>12.0f}" if "document_chars_per_s" in r else f"{'-':>12}"
        print(
            f"{r['engine']:<24} {r['paragraph_chars_per_s']:>9.0f} {r['speedup_vs_hf']:>6.2f} "
            f"{r['speedup_vs_hf_b16']:>8.2f} {doc} "
            f"{r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} {r['peak_rss_mb']:>7.0f}"
        )
    print(f"latency measured on paragraphs of about {results[0]['latency_text_chars']} characters, {args.threads} threads")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
