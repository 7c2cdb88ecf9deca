"""What word-edge decoding costs: the same bundle, `viterbi` against `viterbi-words`, in one run.

`viterbi-words` segments every text with jieba before decoding. This runs the shipped bundle
over the five seed reports (whole documents, then their paragraphs) with each decoding in turn,
alternating, and reports the time of `viterbi-words` as a ratio of `viterbi`'s (these machines
are shared and noisy, so only the ratio within one run means something). jieba's one-time
dictionary load is measured apart: it is paid once per process.

    python scripts/bench_decoding.py --bundle models/default --threads 2 --out docs/results/bench_decoding.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from ner.inference import Extractor
from ner.word_edges import word_starts

ROOT = Path(__file__).resolve().parent.parent
DECODINGS = ("viterbi", "viterbi-words")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", default=str(ROOT / "models" / "default"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    t = time.perf_counter()
    word_starts("加载词典")
    load_s = time.perf_counter() - t
    ex = Extractor(args.bundle, threads=args.threads)
    docs = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    workloads = {"whole documents": docs, "paragraphs": [line for d in docs for line in d.splitlines() if line.strip()]}
    result = {"jieba_dictionary_load_s": round(load_s, 2), "threads": args.threads, "workloads": {}}
    print(f"jieba dictionary load (once per process): {load_s:.2f} s")
    print(f"{'workload':<16} {'chars':>7} {'viterbi s':>10} {'viterbi-words s':>16} {'ratio':>6}")
    for name, texts in workloads.items():
        ex.extract_batch(texts[:4])  # warm-up
        times = {d: [] for d in DECODINGS}
        for _ in range(args.repeats):
            for decoding in DECODINGS:
                ex.tagger.decoding = decoding
                t = time.perf_counter()
                ex.extract_batch(texts)
                times[decoding].append(time.perf_counter() - t)
        median = {d: statistics.median(v) for d, v in times.items()}
        ratio = median["viterbi-words"] / median["viterbi"]
        chars = sum(map(len, texts))
        result["workloads"][name] = {"chars": chars, "median_s": median, "ratio": round(ratio, 3)}
        print(f"{name:<16} {chars:>7} {median['viterbi']:>10.2f} {median['viterbi-words']:>16.2f} {ratio:>6.3f}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
