"""Fine-tune a BERT-family encoder for token classification on gold documents.

A plain PyTorch loop in the spirit of the `transformers` token-classification example: AdamW with
linear warm-up and decay, length-grouped batches, early stopping on dev exact-span F1, and the
best weights restored at the end.
"""

from __future__ import annotations

import copy
import json
import random
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer, get_linear_schedule_with_warmup

from .augment import name_parts, name_pool, substitute
from .config import TrainConfig
from .encoding import TrainingWindow, training_windows
from .entity import Document
from .evaluate import evaluate
from .known_names import KnownNames, known_names, load_known_names, save_known_names
from .labels import LABELS, bio_tags
from .modelcard import write_model_card
from .tagger import WindowedTagger

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class TrainResult:
    model: torch.nn.Module
    tokenizer: object
    config: TrainConfig
    train_docs: list[str]
    dev_docs: list[str]
    history: list[dict] = field(default_factory=list)
    dev_scores: dict | None = None
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    known_names: dict = field(default_factory=dict)  # label → names of the gold training documents


def resolve_base_model(name: str) -> str:
    """A local directory (as given, or relative to the repo) or else a hub id, passed through."""
    for candidate in (Path(name), REPO_ROOT / name):
        if candidate.is_dir():
            return str(candidate)
    if name.startswith(("models/", "./", "/")) or Path(name).suffix:
        hint = " Run `python scripts/fetch_base_model.py` first." if Path(name).name == "m3e-small" else (
            " Make it with `python scripts/pretrain_mlm.py` (see the config's comment)." if "m3e-small-" in name else ""
        )
        raise FileNotFoundError(f"base model directory {name!r} not found.{hint}")
    return name


def split_documents(docs: Sequence[Document], n_dev: int, seed: int) -> tuple[list[Document], list[Document]]:
    """Split by document, never by window; seeded and independent of input order."""
    ordered = sorted(docs, key=lambda d: d.id)
    random.Random(seed).shuffle(ordered)
    n_dev = n_dev if len(ordered) > n_dev else 0
    return ordered[n_dev:], ordered[:n_dev]


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def torch_tagger(model, tokenizer, cfg: TrainConfig, batch_size: int = 16, known: KnownNames | None = None) -> WindowedTagger:
    """Wrap a PyTorch token-classification model as a WindowedTagger (used for evaluation)."""

    device = next(model.parameters()).device

    def logits(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = model(input_ids=torch.from_numpy(ids).to(device), attention_mask=torch.from_numpy(mask).to(device))
        return out.logits.float().cpu().numpy()

    tags = [model.config.id2label[i] for i in range(model.config.num_labels)]
    return WindowedTagger(
        tokenizer, tags, logits, cfg.max_length, cfg.max_length // 4, batch_size, cfg.decoding, cfg.min_entity_chars,
        cfg.span_rules, cfg.min_entity_score, known if cfg.keep_known_names else None, cfg.valued_metric_score,
    )


def load_tagger(path: str | Path, cfg: TrainConfig | None = None) -> WindowedTagger:
    """A saved model directory as a WindowedTagger, decoding as its own config says unless `cfg` is given."""
    model, tokenizer, saved = load_model(path)
    return torch_tagger(model, tokenizer, cfg or saved, known=load_known_names(path))


def optimizer_step(model, loss, optimizer, scheduler) -> float:
    """Backpropagate, clip the gradient norm to 1, step the optimizer and schedule; returns the loss."""
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad()
    return loss.item()


def tag_weights(tags: Sequence[str], label_weights: dict, device) -> torch.Tensor:
    """Loss weight per tag id: a label's B- and I- tags take its weight, every other tag 1."""
    return torch.tensor([float(label_weights.get(t[2:], 1.0)) for t in tags], device=device)  # "O"[2:] is no label


def weighted_loss(logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Token cross-entropy with per-tag weights (a weighted mean; padding and sub-tokens, -100, ignored)."""
    return torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), weight=weights, ignore_index=-100)


def _batches(windows: list[TrainingWindow], batch_size: int, pad_id: int, rng: random.Random):
    """Shuffle, then group windows of similar length into batches (less padding), in random order."""
    idx = list(range(len(windows)))
    rng.shuffle(idx)
    chunk = batch_size * 16
    groups = []
    for k in range(0, len(idx), chunk):
        part = sorted(idx[k : k + chunk], key=lambda i: len(windows[i].input_ids))
        groups += [part[j : j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(groups)
    for group in groups:
        width = max(len(windows[i].input_ids) for i in group)
        ids = torch.full((len(group), width), pad_id, dtype=torch.long)
        labels = torch.full((len(group), width), -100, dtype=torch.long)
        mask = torch.zeros((len(group), width), dtype=torch.long)
        for r, i in enumerate(group):
            n = len(windows[i].input_ids)
            ids[r, :n] = torch.tensor(windows[i].input_ids)
            labels[r, :n] = torch.tensor(windows[i].labels)
            mask[r, :n] = 1
        yield ids, mask, labels


def mask_names(ids: torch.Tensor, labels: torch.Tensor, name_tags: torch.Tensor, mask_id: int, p: float, gen: torch.Generator) -> torch.Tensor:
    """`ids` with each token whose tag is one of `name_tags` replaced by `mask_id` with probability `p`."""
    hit = torch.isin(labels, name_tags) & (torch.rand(ids.shape, generator=gen) < p)
    return ids.masked_fill(hit, mask_id)


def _layer_limit(base: str, layers: int) -> dict:
    """Config override keeping the first `layers` encoder layers (the rest of the checkpoint is not loaded)."""
    if not layers:
        return {}
    available = AutoConfig.from_pretrained(base).num_hidden_layers
    if layers > available:
        raise ValueError(f"encoder_layers is {layers}, but {base} has only {available} layers")
    return {"num_hidden_layers": layers}


def train(
    cfg: TrainConfig,
    docs: Sequence[Document],
    dev: Sequence[Document] | None = None,
    progress: bool = True,
    extra: Sequence[Document] = (),
) -> TrainResult:
    """Fine-tune on `docs`; dev documents come from `dev` or are split off per `cfg.dev_docs`.

    `extra` documents (self-training data) are only trained on, never split off for dev.
    """
    t0 = time.time()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    set_seed(cfg.seed)
    if dev is None:
        train_docs, dev_docs = split_documents(docs, cfg.dev_docs, cfg.seed)
    else:
        train_docs, dev_docs = list(docs), list(dev)
    names = known_names(train_docs)  # gold only, before any self-training documents
    train_docs += extra
    if not train_docs:
        raise ValueError("no training documents")
    base = resolve_base_model(cfg.base_model)
    tags = bio_tags(LABELS)
    tag_ids = {t: i for i, t in enumerate(tags)}
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForTokenClassification.from_pretrained(
        base,
        num_labels=len(tags),
        id2label=dict(enumerate(tags)),
        label2id=tag_ids,
        hidden_dropout_prob=cfg.dropout,
        **_layer_limit(base, cfg.encoder_layers),
    )
    if cfg.freeze_word_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)  # no gradient: AdamW leaves it (and its decay) alone
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")  # a GPU when there is one
    model.to(device)
    windows = training_windows(tokenizer, train_docs, tag_ids, cfg.max_length, cfg.overlap)
    steps_per_epoch = -(-len(windows) // cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": cfg.weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=cfg.learning_rate)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.warmup_ratio * total), total)
    weights = tag_weights(tags, cfg.label_weights, device) if cfg.label_weights else None
    rng = random.Random(cfg.seed)
    swap_rng, pool = random.Random(cfg.seed + 1), name_pool(train_docs)
    parts = name_parts(pool) if cfg.compose_probability else None
    if cfg.mask_name_probability and tokenizer.mask_token_id is None:
        raise ValueError(f"mask_name_probability is set, but the tokenizer of {base} has no mask token")
    mask_gen = torch.Generator().manual_seed(cfg.seed + 2)
    name_tags = torch.tensor([i for t, i in tag_ids.items() if t[2:] in ("PROJECT", "ORG")])
    result = TrainResult(model, tokenizer, cfg, [d.id for d in train_docs], [d.id for d in dev_docs], known_names=names)
    best_f1, best_state, stale = -1.0, None, 0
    bar = tqdm(total=total, desc="training", unit="step", disable=not progress)
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        losses = []
        if cfg.substitute_probability:  # fresh names every epoch
            swapped = [substitute(d, pool, swap_rng, cfg.substitute_probability, parts, cfg.compose_probability) for d in train_docs]
            windows = training_windows(tokenizer, swapped, tag_ids, cfg.max_length, cfg.overlap)
        for ids, mask, labels in _batches(windows, cfg.batch_size, tokenizer.pad_token_id, rng):
            if cfg.mask_name_probability:
                ids = mask_names(ids, labels, name_tags, tokenizer.mask_token_id, cfg.mask_name_probability, mask_gen)
            ids, mask, labels = ids.to(device), mask.to(device), labels.to(device)
            if weights is None:
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            else:
                loss = weighted_loss(model(input_ids=ids, attention_mask=mask).logits, labels, weights)
            losses.append(optimizer_step(model, loss, optimizer, scheduler))
            bar.update(1)
        entry = {"epoch": epoch, "loss": float(np.mean(losses))}
        if dev_docs:
            model.eval()
            scores = evaluate(torch_tagger(model, tokenizer, cfg, known=names), dev_docs)
            entry["dev_f1"] = scores["span"]["overall"]["f1"]
            if entry["dev_f1"] > best_f1:
                best_f1, best_state, stale = entry["dev_f1"], copy.deepcopy(model.state_dict()), 0
                result.dev_scores = scores
            else:
                stale += 1
        result.history.append(entry)
        bar.set_postfix({k: round(v, 4) for k, v in entry.items() if k != "epoch"})
        if dev_docs and stale >= cfg.patience:
            bar.write(f"early stop after epoch {epoch}: no dev F1 gain for {cfg.patience} epochs")
            break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.to("cpu").eval()  # saved, exported and evaluated on the CPU
    result.seconds = time.time() - t0
    result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def save_model(result: TrainResult, out: str | Path, data_desc: str, extra_metrics: dict | None = None) -> Path:
    """Write a Hugging Face model directory plus labels, config, metrics and a model card."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result.model.save_pretrained(out)  # safetensors
    result.tokenizer.save_pretrained(out)
    cfg = result.config
    (out / "labels.json").write_text(json.dumps(list(LABELS), ensure_ascii=False, indent=2))
    save_known_names(result.known_names, out)
    cfg.to_yaml(out / "train_config.yaml")
    metrics = {
        "data": data_desc,
        "train_documents": result.train_docs,
        "dev_documents": result.dev_docs,
        "history": result.history,
        "dev": result.dev_scores,
        "train_seconds": round(result.seconds, 1),
        "peak_rss_mb": round(result.peak_rss_mb),
        **(extra_metrics or {}),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2))
    write_model_card(out, cfg, metrics, data_desc)
    return out


def load_model(path: str | Path):
    """Load a saved model directory: (model, tokenizer, TrainConfig)."""
    path = Path(path)
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"{path} is not a model directory (no config.json)")
    cfg = TrainConfig.from_yaml(path / "train_config.yaml") if (path / "train_config.yaml").exists() else TrainConfig()
    model = AutoModelForTokenClassification.from_pretrained(path)
    model.eval()
    return model, AutoTokenizer.from_pretrained(path), cfg
