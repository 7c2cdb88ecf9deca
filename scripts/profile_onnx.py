"""Where the CPU time of one bundle goes: ONNX Runtime's per-operator profile, and the arithmetic floor.

Runs fp32 and int8 of a bundle on one paragraph-length input (batch 1, `--tokens` tokens), with
ONNX Runtime's profiler on, and prints each operator type's share of kernel time, the latency,
and the matrix-multiply work per token (from the weight shapes) as achieved GFLOP/s. It answers
"is the time in the encoder's matrix multiplies or around them?" before any speed work.

    ner export --model models/default-torch --out models/default-fp32
    python scripts/profile_onnx.py --bundle models/default-fp32 --threads 2 | tee docs/results/profile.txt
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper


def matmul_flops_per_token(path: Path, tokens: int) -> float:
    """2·k·n for every weight matrix a MatMul/Attention multiplies by, plus the attention products."""
    graph = onnx.load(str(path)).graph
    weights = {i.name: numpy_helper.to_array(i).shape for i in graph.initializer}
    flops = 0.0
    for node in graph.node:
        if node.op_type in ("MatMul", "Attention", "Gemm"):
            for name in node.input:
                shape = weights.get(name)
                if shape is not None and len(shape) == 2:
                    flops += 2 * shape[0] * shape[1]
            if node.op_type == "Attention":
                hidden = weights[node.input[1]][0]
                flops += 2 * 2 * tokens * hidden  # QKᵀ and attention·V
    return flops


def profile(path: Path, tokens: int, threads: int, runs: int) -> tuple[float, collections.Counter]:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.enable_profiling = True
    opts.profile_file_prefix = os.path.join(tempfile.mkdtemp(), "ort")
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feed = {"input_ids": rng.integers(106, 7000, (1, tokens)), "attention_mask": np.ones((1, tokens), dtype=np.int64)}
    for _ in range(5):
        session.run(None, feed)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        session.run(None, feed)
        times.append(time.perf_counter() - t)
    shares = collections.Counter()
    with open(session.end_profiling()) as f:
        for event in json.load(f):
            if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
                shares[event["args"]["op_name"]] += event["dur"]
    return float(np.median(times)), shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, required=True, help="bundle holding model.onnx and model.int8.onnx")
    parser.add_argument("--tokens", type=int, default=210, help="sequence length (a 200-character paragraph)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    flops = matmul_flops_per_token(args.bundle / "model.onnx", args.tokens) * args.tokens
    print(f"{args.bundle}: {flops / 1e9:.2f} GFLOP of matrix multiplies for {args.tokens} tokens, {args.threads} threads")
    for name in ("model.onnx", "model.int8.onnx"):
        if not (args.bundle / name).exists():
            continue
        seconds, shares = profile(args.bundle / name, args.tokens, args.threads, args.runs)
        total = sum(shares.values())
        print(f"\n{name}: median {seconds * 1000:.1f} ms per run, {flops / seconds / 1e9:.0f} GFLOP/s of matrix-multiply work")
        for op, us in shares.most_common(8):
            print(f"  {op:<28} {us / total:6.1%}")


if __name__ == "__main__":
    main()
