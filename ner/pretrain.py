"""Domain-adaptive pre-training: more masked-language modelling of the base encoder on unlabelled
reports, before fine-tuning.

Whole words are masked (words from the `jieba` segmenter; the Chinese vocabulary is mostly one
token per character, so masking single characters lets the model guess them from their word
neighbours). The loss is computed on masked positions only: the vocabulary projection over every
position would cost as much as the 4-layer encoder itself. m3e-small ships without an MLM head;
a fresh one is trained alongside, and only the encoder is kept for fine-tuning.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .encoding import encode_texts
from .windows import plan_windows
from .word_edges import segmenter


@dataclass
class CorpusWindow:
    """Token ids of one window and, per token, the index of the word it belongs to."""

    ids: list[int]
    words: list[int]


def read_corpus(path: str | Path, field: str = "text") -> list[str]:
    """Texts of a JSON-lines corpus; a line without a usable text is an error naming the line."""
    texts = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                text = json.loads(line)[field]
            except (ValueError, KeyError, TypeError):
                raise ValueError(f"{path}:{n}: not a JSON object with a {field!r} field") from None
            if not isinstance(text, str):
                raise ValueError(f"{path}:{n}: {field!r} is not a string")
            if text.strip():
                texts.append(text)
    if not texts:
        raise ValueError(f"{path}: no texts")
    return texts


def corpus_windows(
    tokenizer, texts: Sequence[str], max_length: int, segment: Callable[[str], list[str]]
) -> list[CorpusWindow]:
    """Cut texts into windows of at most `max_length - 2` tokens with word ids from `segment`."""
    out = []
    for text, enc in zip(texts, encode_texts(tokenizer, texts)):
        word_starts, pos = [], 0
        for word in segment(text):
            word_starts.append(pos)
            pos += len(word)
        if pos != len(text):
            raise ValueError("the segmenter must return words that concatenate to the text")
        words = [bisect.bisect_right(word_starts, start) - 1 for start, _ in enc.offsets]
        for a, b in plan_windows(text, enc.offsets, max_length - 2, 0):
            out.append(CorpusWindow(enc.ids[a:b], words[a:b]))
    return out


def mask_whole_words(
    window: CorpusWindow, rng: random.Random, mask_id: int, vocab_size: int, special: frozenset[int], rate: float = 0.15
) -> tuple[list[int], list[int]]:
    """BERT's 80/10/10 masking applied to whole words until about `rate` of the tokens are chosen.

    Returns (input ids, labels) without [CLS]/[SEP]; labels are -100 where nothing is predicted.
    """
    groups: dict[int, list[int]] = {}
    for i, (tok, word) in enumerate(zip(window.ids, window.words)):
        if tok not in special:
            groups.setdefault(word, []).append(i)
    order = list(groups.values())
    rng.shuffle(order)
    budget = max(1, round(rate * len(window.ids)))
    ids, labels = list(window.ids), [-100] * len(window.ids)
    chosen = 0
    for positions in order:
        if chosen >= budget:
            break
        if chosen + len(positions) > budget and chosen:
            continue
        roll = rng.random()
        for i in positions:
            labels[i] = ids[i]
            if roll < 0.8:
                ids[i] = mask_id
            elif roll < 0.9:
                ids[i] = rng.randrange(vocab_size)
        chosen += len(positions)
    return ids, labels


def _batch(items: list[tuple[list[int], list[int]]], cls: int, sep: int, pad: int):
    import torch

    width = max(len(ids) for ids, _ in items) + 2
    ids = torch.full((len(items), width), pad, dtype=torch.long)
    labels = torch.full((len(items), width), -100, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    for r, (x, y) in enumerate(items):
        ids[r, : len(x) + 2] = torch.tensor([cls, *x, sep])
        labels[r, 1 : len(y) + 1] = torch.tensor(y)
        mask[r, : len(x) + 2] = 1
    return ids, mask, labels


def _masked_loss(model, ids, mask, labels):
    """Cross-entropy on the masked positions only (BERT-family models: `.bert` and `.cls`)."""
    import torch.nn.functional as F

    hidden = model.bert(input_ids=ids, attention_mask=mask).last_hidden_state
    chosen = labels != -100
    return F.cross_entropy(model.cls(hidden[chosen]), labels[chosen])


def pretrain(
    base: str,
    texts: Sequence[str],
    out: str | Path,
    epochs: float = 1.0,
    learning_rate: float = 5e-5,
    batch_size: int = 32,
    max_length: int = 256,
    eval_fraction: float = 0.02,
    seed: int = 13,
    progress: bool = True,
    segment: Callable[[str], list[str]] | None = None,
) -> dict:
    """Continue MLM training of `base` on `texts`; save the model to `out` and return the metrics.

    A fixed, seeded `eval_fraction` of the windows (with fixed masks) is held out, and its masked
    loss is measured before and after, so a run shows whether the model learned the domain.
    """
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForMaskedLM, AutoTokenizer, get_linear_schedule_with_warmup

    from .train import optimizer_step

    if segment is None:
        segment = partial(segmenter().lcut, HMM=True)
    t0 = time.time()
    rng = random.Random(seed)
    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForMaskedLM.from_pretrained(base)
    if not hasattr(model, "bert") or not hasattr(model, "cls"):
        raise ValueError(f"{base}: domain-adaptive pre-training supports BERT-family encoders only")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    windows = corpus_windows(tokenizer, texts, max_length, segment)
    rng.shuffle(windows)
    n_eval = max(1, int(len(windows) * eval_fraction)) if len(windows) > 1 else 0
    held, windows = windows[:n_eval], windows[n_eval:]
    special = frozenset(tokenizer.all_special_ids)
    ids_of = (tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id)
    masker = lambda w, r: mask_whole_words(w, r, tokenizer.mask_token_id, len(tokenizer), special)
    eval_rng = random.Random(seed + 1)
    eval_batches = [_batch([masker(w, eval_rng) for w in held[k : k + batch_size]], *ids_of) for k in range(0, len(held), batch_size)]

    def eval_loss() -> float:
        model.eval()
        with torch.inference_mode():
            losses = [_masked_loss(model, *(t.to(device) for t in b)).item() for b in eval_batches]
        model.train()
        return float(np.mean(losses)) if losses else float("nan")

    before = eval_loss()
    steps = max(1, math.ceil(len(windows) * epochs / batch_size))
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
    model.train()
    losses = []
    order: list[CorpusWindow] = []
    for step in tqdm(range(steps), desc="pre-training", unit="step", disable=not progress):
        if len(order) < batch_size:
            rng.shuffle(windows)
            order += windows
        chunk, order = order[:batch_size], order[batch_size:]
        loss = _masked_loss(model, *(t.to(device) for t in _batch([masker(w, rng) for w in chunk], *ids_of)))
        losses.append(optimizer_step(model, loss, optimizer, scheduler))
    metrics = {
        "base_model": base,
        "windows": len(windows),
        "eval_windows": len(held),
        "steps": steps,
        "epochs": epochs,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "eval_masked_loss_before": before,
        "eval_masked_loss_after": eval_loss(),
        "last_100_steps_loss": float(np.mean(losses[-100:])),
        "seconds": round(time.time() - t0, 1),
        "device": device.type,
    }
    out = Path(out)
    model.to("cpu").save_pretrained(out)  # safetensors; fine-tuning loads the encoder and drops the head
    tokenizer.save_pretrained(out)
    (out / "pretrain_metrics.json").write_text(json.dumps(metrics, indent=2))
    return metrics

