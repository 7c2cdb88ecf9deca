"""Entity substitution: names swapped within a label, everything else of the document kept."""

from __future__ import annotations

import random

from ner.augment import SUBSTITUTED, name_parts, name_pool, substitute
from ner.config import TrainConfig
from ner.entity import Document, Span
from ner.train import train


def _between(doc: Document) -> list[str]:
    """The text outside the spans, piece by piece."""
    edges = [0, *[x for s in doc.spans for x in (s.start, s.end)], len(doc.text)]
    return [doc.text[a:b] for a, b in zip(edges[::2], edges[1::2])]


def test_name_pool_is_distinct_sorted_names_per_label():
    doc = Document("d", "甲公司和乙公司，甲公司建设丙工程", [Span(0, 3, "ORG"), Span(4, 7, "ORG"), Span(8, 11, "ORG"), Span(13, 16, "PROJECT")])
    assert name_pool([doc]) == {"PROJECT": ["丙工程"], "ORG": ["乙公司", "甲公司"]}


def test_every_name_can_change_and_nothing_else_does(gold_docs):
    pool = name_pool(gold_docs)
    rng = random.Random(0)
    changed = 0
    for doc in gold_docs:
        new = substitute(doc, pool, rng, probability=1.0)
        assert [s.label for s in new.spans] == [s.label for s in doc.spans]
        assert _between(new) == _between(doc)
        for old, s in zip(doc.spans, new.spans):
            name = new.text[s.start : s.end]
            if s.label in SUBSTITUTED:
                assert name in pool[s.label]
                changed += name != doc.text[old.start : old.end]
            else:
                assert name == doc.text[old.start : old.end]
    assert changed > 500  # of the 653 PROJECT and ORG spans, nearly all drew another name


def test_probability_zero_keeps_the_document():
    doc = Document("d", "甲公司和乙公司", [Span(0, 3, "ORG"), Span(4, 7, "ORG")])
    assert substitute(doc, name_pool([doc]), random.Random(0), probability=0.0) == doc


def test_name_parts_split_before_a_type_word_that_ends_two_names():
    pool = {
        "ORG": ["中创智领", "众邦科技", "健仕科技", "夏宝电器", "宏达电器", "胖东来"],
        "PROJECT": ["东山头幼儿园", "新城幼儿园", "杭州湾引水工程（观海卫段）", "东舍区块旧村改造工程"],
    }
    assert name_parts(pool) == {
        "ORG": (["众邦", "健仕", "夏宝", "宏达"], ["电器", "科技"]),  # 智领, 东来 end one name only
        "PROJECT": (["东山头", "新城"], ["幼儿园"]),  # a bracketed name is not split; 工程 ends one name here
    }


def test_composed_names_join_a_proper_part_to_a_type_word_and_zero_changes_nothing(gold_docs):
    pool = name_pool(gold_docs)
    parts = name_parts(pool)
    doc = gold_docs[0]
    composed = substitute(doc, pool, random.Random(0), 1.0, parts, compose_probability=1.0)
    assert _between(composed) == _between(doc)
    names = [composed.text[s.start : s.end] for s in composed.spans if s.label in SUBSTITUTED]
    for name, s in zip(names, [s for s in composed.spans if s.label in SUBSTITUTED]):
        proper, kind = parts[s.label]
        assert any(name.startswith(p) and name[len(p) :] in kind for p in proper)
    assert sum(name not in pool["PROJECT"] + pool["ORG"] for name in names) > len(names) // 2  # mostly new names
    # without composing, the draws (and so the recipe shipped) are those of plain substitution
    assert substitute(doc, pool, random.Random(0), 1.0, parts, 0.0) == substitute(doc, pool, random.Random(0), 1.0)


def test_training_with_substitution_runs_and_is_seeded(tiny_model, gold_docs):
    docs = [Document(d.id, d.text[:400], [s for s in d.spans if s.end <= 400]) for d in gold_docs[8:10]]
    cfg = TrainConfig(base_model=str(tiny_model), max_length=64, overlap=8, epochs=2, batch_size=4, dev_docs=0, substitute_probability=0.5)
    a, b = train(cfg, docs, progress=False), train(cfg, docs, progress=False)
    assert a.history == b.history
    assert a.history != train(TrainConfig(**{**cfg.to_dict(), "substitute_probability": 0.0}), docs, progress=False).history

    text = "健仕科技、众邦科技与夏宝电器、宏达电器共建东山头幼儿园和新城幼儿园。"
    names = [("健仕科技", "ORG"), ("众邦科技", "ORG"), ("夏宝电器", "ORG"), ("宏达电器", "ORG"), ("东山头幼儿园", "PROJECT"), ("新城幼儿园", "PROJECT")]
    named = Document("n", text * 3, [Span(k * len(text) + text.index(n), k * len(text) + text.index(n) + len(n), label) for k in range(3) for n, label in names])
    plain = TrainConfig(**{**cfg.to_dict(), "substitute_probability": 1.0})
    composed = TrainConfig(**{**plain.to_dict(), "compose_probability": 1.0})
    assert train(plain, [named], progress=False).history != train(composed, [named], progress=False).history
