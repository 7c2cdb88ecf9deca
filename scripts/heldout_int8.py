"""int8 against fp32 on documents the model never saw: export every fold model and score both.

The export check of the shipped model can only use its own training documents; the fold models
of `ner cv --save-models` each have one held-out document, which makes the int8 cost honest.
Each fold model is exported exactly as `ner export` does (same optimiser and quantization) and
its verification is run on its held-out document.

    ner cv --config configs/default.yaml --out runs/cv-default.json --resume --save-models runs/cv-default-models
    python scripts/heldout_int8.py --models runs/cv-default-models --out docs/results/heldout_int8.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from ner.crossval import saved_folds
from ner.export import export_bundle
from ner.labelstudio import load_documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, required=True, help="folder of fold models named after their held-out document")
    parser.add_argument("--data", default="annotations")
    parser.add_argument("--out", type=Path, help="also write the per-fold reports as JSON")
    args = parser.parse_args()
    reports = {}
    print(f"{'held-out document':<28} {'fp32 F1':>8} {'int8 F1':>8} {'Δ points':>9} {'agreement':>10}")
    for model_dir, held in saved_folds(args.models, load_documents(args.data)):
        with tempfile.TemporaryDirectory() as tmp:
            r = export_bundle(model_dir, Path(tmp) / "bundle", check_docs=[held])
        reports[model_dir.name] = r
        delta = 100 * (r["int8_gold_f1"] - r["fp32_gold_f1"])
        print(f"{model_dir.name:<28} {r['fp32_gold_f1']:>8.3f} {r['int8_gold_f1']:>8.3f} {delta:>+9.2f} {r['int8_vs_fp32_f1']:>10.3f}", flush=True)
    if reports:
        fp32 = sum(r["fp32_gold_f1"] for r in reports.values()) / len(reports)
        int8 = sum(r["int8_gold_f1"] for r in reports.values()) / len(reports)
        print(f"{'mean of ' + str(len(reports)) + ' folds':<28} {fp32:>8.3f} {int8:>8.3f} {100 * (int8 - fp32):>+9.2f}")
    if args.out:
        args.out.write_text(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
