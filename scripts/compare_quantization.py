"""Compare int8 dynamic-quantization settings against the fp32 ONNX model of one bundle.

For each setting: entity agreement with fp32 (F1 taking fp32 as reference), exact-span F1 on
gold documents, time for the same texts, and file size. This is how per-tensor scales were
chosen for `ner export` (per-channel scales lost about 11 points of F1).

    python scripts/compare_quantization.py --bundle models/default-fp32 --docs 000_3db76ea840e11b26.txt beijing_2026.txt hubei_2026.txt
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic

from ner.entity import Span
from ner.evaluate import span_scores
from ner.inference import Extractor
from ner.labelstudio import load_documents

SETTINGS = {
    "per-tensor (shipped)": dict(per_channel=False),
    "per-channel": dict(per_channel=True),
    "per-channel, MatMul only": dict(per_channel=True, op_types_to_quantize=["MatMul"]),
    "per-tensor, MatMul only": dict(per_channel=False, op_types_to_quantize=["MatMul"]),
}


def spans(batches):
    return [(i, Span(e.start, e.end, e.label)) for i, ents in enumerate(batches) for e in ents]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, help="bundle from `ner export` that still holds model.onnx")
    parser.add_argument("--data", default="annotations")
    parser.add_argument("--docs", nargs="*", help="document ids to use (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    src = Path(args.bundle)
    docs = [d for d in load_documents(args.data) if not args.docs or d.id in args.docs]
    texts = [d.text for d in docs]
    fp32 = Extractor(src, precision="fp32", threads=args.threads, verify=False)
    t = time.perf_counter()
    ref = spans(fp32.tagger.extract_batch(texts))
    print(f"{'setting':<28} {'agree':>6} {'gold F1':>8} {'seconds':>8} {'MB':>5}")
    gold = [(i, s) for i, d in enumerate(docs) for s in d.spans]
    print(f"{'fp32':<28} {1.0:>6.3f} {span_scores(gold, ref)['overall']['f1']:>8.3f} "
          f"{time.perf_counter() - t:>8.2f} {(src / 'model.onnx').stat().st_size / 1e6:>5.0f}")
    for name, kw in SETTINGS.items():
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp) / "b"
            shutil.copytree(src, d)
            quantize_dynamic(
                str(src / "model.onnx"), str(d / "model.int8.onnx"), weight_type=QuantType.QInt8,
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT}, **kw,
            )
            ex = Extractor(d, precision="int8", threads=args.threads, verify=False)
            t = time.perf_counter()
            got = spans(ex.tagger.extract_batch(texts))
            seconds = time.perf_counter() - t
            agree = span_scores(ref, got)["overall"]["f1"]
            gold_f1 = span_scores(gold, got)["overall"]["f1"]
            print(f"{name:<28} {agree:>6.3f} {gold_f1:>8.3f} {seconds:>8.2f} {(d / 'model.int8.onnx').stat().st_size / 1e6:>5.0f}")


if __name__ == "__main__":
    main()
