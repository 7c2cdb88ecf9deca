"""Domain-adaptive pre-training of the base encoder on unlabelled reports (whole-word MLM).

Writes a model directory to use as `base_model` in a training config. On a GPU (used when torch
sees one) one epoch over the 2.2 M characters of the shared corpus takes minutes; on 2 CPU cores
about an hour per epoch (it also runs there, for anyone to reproduce it).

    python scripts/pretrain_mlm.py --base models/base/m3e-small --corpus ../shared/corpus/reports.jsonl \\
        --out models/base/m3e-small-gov --epochs 3
    ner cv --config configs/m3e-small-gov.yaml --out runs/cv-gov.json
"""

from __future__ import annotations

import argparse
import json

from ner.pretrain import pretrain, read_corpus
from ner.train import resolve_base_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="models/base/m3e-small", help="base encoder: local directory or hub id")
    parser.add_argument("--corpus", required=True, help="JSON lines with a text field")
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--out", required=True, help="where to write the adapted encoder")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    texts = read_corpus(args.corpus, args.text_field)
    print(f"{len(texts)} texts, {sum(map(len, texts)):,} characters")
    metrics = pretrain(
        resolve_base_model(args.base), texts, args.out, epochs=args.epochs, learning_rate=args.lr,
        batch_size=args.batch_size, max_length=args.max_length, seed=args.seed,
    )
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
