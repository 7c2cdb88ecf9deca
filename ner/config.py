"""Training configuration: a YAML file in configs/, read into a dataclass (unknown keys are errors)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable

import yaml

from .decode import check_decoding
from .labels import LABELS


# settings that do not shape the trained weights: a fold model trained before a change of these is reused
NOT_TRAINING = (
    "decoding", "min_entity_chars", "min_entity_score", "valued_metric_score", "keep_known_names", "span_rules", "threads",
)


@dataclass
class TrainConfig:
    base_model: str = "models/base/m3e-small"  # local path or hub id
    max_length: int = 256  # tokens per window, [CLS]/[SEP] included
    overlap: int = 32  # tokens shared by neighbouring windows
    learning_rate: float = 2e-4
    epochs: int = 30
    batch_size: int = 8
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    dropout: float = 0.1
    # label → weight of its B-/I- tokens in the loss (others 1): above 1 trades precision for recall
    label_weights: dict = field(default_factory=dict)
    substitute_probability: float = 0.0  # chance, per epoch, that a PROJECT/ORG name is swapped for another (ner/augment.py)
    compose_probability: float = 0.0  # chance that a swapped name is composed from two names' parts (ner/augment.py)
    # chance that a token of a PROJECT/ORG name is shown as [MASK] in training, drawn anew each batch:
    # the model must also find names by their context, as it must for names it never saw
    mask_name_probability: float = 0.0
    # keep the pretrained word embeddings as they are: names seen in training cannot be learnt by their
    # characters alone, so the layers above must tell a name by its context
    freeze_word_embeddings: bool = False
    encoder_layers: int = 0  # keep only the first N layers of the base encoder (smaller and faster); 0 keeps all
    dev_docs: int = 2  # documents held out for early stopping; 0 trains on all for `epochs`
    patience: int = 5  # epochs without dev F1 gain before stopping
    seed: int = 13
    threads: int = 0  # torch intra-op threads; 0 leaves torch's default
    decoding: str = "viterbi-words"  # token probabilities → tags: "viterbi-words", "viterbi" or "argmax" (ner/decode.py)
    min_entity_chars: int = 2  # shorter predictions are dropped: no gold entity has a single character
    span_rules: bool = True  # apply the guideline rules of ner/span_rules.py to decoded entities
    # label → lowest entity score kept (mean probability of its tokens' tags); unlisted labels keep all.
    # The model's unsure entities are mostly wrong: scripts/tune_score_floors.py picks these per label
    min_entity_score: dict = field(default_factory=dict)
    # the floor of a METRIC right before its value (nothing or a linking verb such as 达 between): an
    # indicator beside its value is less often wrong; 1.0 gives it no exception to the METRIC floor
    valued_metric_score: float = 1.0
    # an entity whose text the gold training documents gave its label passes the floor (ner/known_names.py)
    keep_known_names: bool = False
    # self-training (ner/pseudo_label.py): sentences of these JSON-lines reports, labelled by a
    # teacher model (`ner train --teacher`, `ner cv --teachers`), are added to the training data
    self_training_corpus: str = ""  # "" trains on gold only
    self_training_min_confidence: float = 0.9  # every token of a kept sentence at least this sure
    self_training_chars: int = 40_000  # characters of confident sentences to add
    # reviewed annotations of other text (a Label Studio export file or folder) added to the training
    # data of `ner train` and of every `ner cv` fold, never held out or scored: more names to learn from
    extra_training_data: str = ""

    @classmethod
    def from_yaml(cls, path: str | Path) -> "TrainConfig":
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of settings")
        known = {f.name: f.type for f in fields(cls)}
        defaults = cls().to_dict()
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
        for name, value in data.items():
            default = defaults[name]
            if isinstance(default, float) and isinstance(value, str):
                try:  # YAML 1.1 reads 1e-4 (no dot) as a string
                    data[name] = value = float(value)
                except ValueError:
                    pass
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"{path}: {name} must be true or false, got {value!r}")
            elif isinstance(default, (int, float)) and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValueError(f"{path}: {name} must be a number, got {value!r}")
        if data.get("encoder_layers", 0) < 0:
            raise ValueError(f"{path}: encoder_layers must be 0 (all layers) or a positive number of layers")
        fractions = ("substitute_probability", "compose_probability", "mask_name_probability", "self_training_min_confidence", "valued_metric_score")
        for name in fractions:
            if not 0.0 <= data.get(name, defaults[name]) <= 1.0:
                raise ValueError(f"{path}: {name} must be between 0 and 1")
        _check_label_map(path, "min_entity_score", data.get("min_entity_score", {}), "a number between 0 and 1", lambda v: 0.0 <= v <= 1.0)
        _check_label_map(path, "label_weights", data.get("label_weights", {}), "a positive number", lambda v: v > 0)
        try:
            check_decoding(data.get("decoding", cls.decoding))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        return cls(**data)

    def training_settings(self) -> dict:
        """The settings that shape the trained weights (decoding, entity filter, rules and threads do not)."""
        return {k: v for k, v in asdict(self).items() if k not in NOT_TRAINING}

    def to_dict(self) -> dict:
        return asdict(self)

    def to_yaml(self, path: str | Path) -> None:
        """Every setting, defaults included, so the file says exactly what ran."""
        Path(path).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True), encoding="utf-8")


def _check_label_map(path: str | Path, name: str, mapping, what: str, ok: Callable[[float], bool]) -> None:
    """A setting that maps labels to numbers: known labels only, each value `what`."""
    if not isinstance(mapping, dict):
        raise ValueError(f"{path}: {name} must map labels to numbers, got {mapping!r}")
    for label, value in mapping.items():
        if label not in LABELS:
            raise ValueError(f"{path}: {name} names {label!r}, not one of {', '.join(LABELS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok(value):
            raise ValueError(f"{path}: {name} for {label} must be {what}, got {value!r}")
