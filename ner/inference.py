"""Serve a bundle on the CPU with ONNX Runtime: `Extractor` and the module-level `extract`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .bundle import BundleError, read_manifest
from .encoding import FastTokenizer
from .entity import Entity
from .known_names import load_known_names
from .records import attach_normalized
from .tagger import WindowedTagger

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "default"
MAX_CHARS = 50_000_000  # a guard against feeding a whole archive as one string by mistake


def default_model_path() -> Path:
    """`NER_MODEL` if set, else the shipped models/default."""
    return Path(os.environ.get("NER_MODEL") or DEFAULT_MODEL)


class Extractor:
    """Load an inference bundle (see `ner export`) and extract entities from texts.

    >>> ex = Extractor("models/default", threads=2)      # doctest: +SKIP
    >>> ex.extract("实现地区生产总值150.06亿元")            # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | Path | None = None,
        threads: int | None = None,
        precision: str = "auto",
        batch_size: int = 16,
        verify: bool = True,
        min_entity_score: Mapping[str, float] | None = None,
    ):
        """`min_entity_score` replaces the bundle's score floors; `{}` keeps every entity the model finds."""
        import onnxruntime as ort

        self.path = Path(path) if path is not None else default_model_path()
        self.manifest = read_manifest(self.path, verify=verify)
        self.model_file = self._pick(precision)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = int(threads or os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        try:
            self.session = ort.InferenceSession(
                str(self.path / self.model_file), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types
            raise BundleError(f"cannot load {self.path / self.model_file}: {exc}") from None
        self.tagger = WindowedTagger(
            FastTokenizer(self.path),
            self.manifest["tags"],
            self._logits,
            max_length=int(self.manifest["max_length"]),
            overlap=int(self.manifest["overlap"]),
            batch_size=batch_size,
            # bundles made before these settings decoded by argmax and kept every entity
            decoding=self.manifest.get("decoding", "argmax"),
            min_entity_chars=int(self.manifest.get("min_entity_chars", 1)),
            span_rules=bool(self.manifest.get("span_rules", False)),
            min_entity_score=self.manifest.get("min_entity_score", {}) if min_entity_score is None else min_entity_score,
            known_names=self._known_names() if self.manifest.get("keep_known_names") else None,
            valued_metric_score=float(self.manifest.get("valued_metric_score", 1.0)),
        )

    def _known_names(self) -> dict:
        try:
            return load_known_names(self.path)
        except ValueError as exc:
            raise BundleError(str(exc)) from None

    def _pick(self, precision: str) -> str:
        files = self.manifest["files"]
        choices = {"int8": "model.int8.onnx", "fp32": "model.onnx"}
        if precision == "auto":
            for name in ("model.int8.onnx", "model.onnx"):
                if name in files:
                    return name
            raise BundleError(f"{self.path}: the bundle holds no ONNX model")
        if precision not in choices:
            raise ValueError(f"precision must be 'auto', 'int8' or 'fp32', not {precision!r}")
        if choices[precision] not in files:
            raise BundleError(f"{self.path}: the bundle has no {precision} model ({choices[precision]})")
        return choices[precision]

    def _logits(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]

    def extract(self, text: str) -> list[Entity]:
        """Entities of one text, in order; `[]` for empty or whitespace-only text."""
        return self.extract_batch([text])[0]

    def extract_batch(self, texts: Sequence[str], batch_size: int | None = None) -> list[list[Entity]]:
        """Entities of many texts, each as `extract` gives it (windows are batched text by text)."""
        if isinstance(texts, str):
            raise TypeError("extract_batch takes a list of texts; use extract(text) for one")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"text {i} is {type(text).__name__}, not str")
            if len(text) > MAX_CHARS:
                raise ValueError(f"text {i} has {len(text):,} characters; split texts above {MAX_CHARS:,}")
        batches = self.tagger.extract_batch(list(texts), batch_size)
        return [attach_normalized(text, ents) for text, ents in zip(texts, batches)]


@lru_cache(maxsize=1)
def _default_extractor() -> Extractor:
    path = default_model_path()
    if not (path / "manifest.json").exists():
        raise BundleError(f"no default model at {path}; set NER_MODEL or pass a bundle to Extractor(...)")
    return Extractor(path)


def extract(text: str) -> list[Entity]:
    """Entities of `text` with the shipped default model (offline, CPU)."""
    return _default_extractor().extract(text)
