"""Domain-adaptive pre-training: whole-word masking by hand, the corpus reader, one real run."""

from __future__ import annotations

import json
import random

import pytest

from ner.pretrain import CorpusWindow, corpus_windows, mask_whole_words, pretrain, read_corpus

MASK, VOCAB = 103, 21128


def test_masking_takes_whole_words_and_about_fifteen_percent():
    # 40 tokens in 20 two-token words; token 0 is special and never chosen
    window = CorpusWindow(ids=list(range(1000, 1040)), words=[i // 2 for i in range(40)])
    ids, labels = mask_whole_words(window, random.Random(0), MASK, VOCAB, special=frozenset({1000}))
    chosen = [i for i, y in enumerate(labels) if y != -100]
    assert len(chosen) == 6  # round(0.15 · 40) = 6 = three whole words
    assert 0 not in chosen and 1 not in chosen  # token 0 is special; with this seed its word-mate is not drawn either
    for i in chosen:
        assert labels[i] == window.ids[i]
        assert i ^ 1 in chosen  # the other token of the same word is chosen too
    untouched = [i for i in range(40) if i not in chosen]
    assert all(ids[i] == window.ids[i] for i in untouched)


def test_masking_mostly_masks_sometimes_replaces_or_keeps():
    window = CorpusWindow(ids=[2000] * 100, words=list(range(100)))
    rng = random.Random(1)
    kinds = {"mask": 0, "other": 0}
    for _ in range(200):
        ids, labels = mask_whole_words(window, rng, MASK, VOCAB, special=frozenset())
        for x, y in zip(ids, labels):
            if y != -100:
                kinds["mask" if x == MASK else "other"] += 1
    share = kinds["mask"] / sum(kinds.values())
    assert 0.75 < share < 0.85


def test_corpus_windows_carry_word_ids(tokenizer):
    text = "全年地区生产总值增长百分之五。" * 40
    words = lambda t: [t[i : i + 2] for i in range(0, len(t), 2)]
    windows = corpus_windows(tokenizer, [text], 64, words)
    assert len(windows) > 1 and all(len(w.ids) <= 62 for w in windows)
    for w in windows:
        assert len(w.words) == len(w.ids) and w.words == sorted(w.words)
        assert max(w.words.count(k) for k in set(w.words)) <= 2
    with pytest.raises(ValueError, match="concatenate"):
        corpus_windows(tokenizer, [text], 64, lambda t: [t[:5]])


def test_read_corpus_names_the_bad_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "第一篇"}\n\n{"title": "no text"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"c.jsonl:3"):
        read_corpus(path)
    path.write_text('{"text": "第一篇"}\n{"text": "  "}\n', encoding="utf-8")
    assert read_corpus(path) == ["第一篇"]


def test_pretraining_lowers_the_held_out_loss_and_saves_a_fine_tunable_encoder(tiny_model, tmp_path):
    pytest.importorskip("jieba")
    from transformers import AutoModelForTokenClassification

    texts = ["全年实现地区生产总值一百五十亿元，同比增长百分之八，新建学校三所。" * 6] * 12
    metrics = pretrain(str(tiny_model), texts, tmp_path / "adapted", epochs=6, learning_rate=3e-3,
                       batch_size=8, max_length=64, eval_fraction=0.1, progress=False)
    assert metrics["eval_masked_loss_after"] < metrics["eval_masked_loss_before"] - 1.0, metrics
    assert json.loads((tmp_path / "adapted" / "pretrain_metrics.json").read_text())["steps"] == metrics["steps"]
    assert not list((tmp_path / "adapted").glob("*.bin"))
    model = AutoModelForTokenClassification.from_pretrained(tmp_path / "adapted", num_labels=11)
    assert model.config.num_hidden_layers == 2
