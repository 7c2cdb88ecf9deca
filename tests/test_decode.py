"""Constrained IOB2 decoding: hand-checked sequences where argmax breaks an entity."""

from __future__ import annotations

import numpy as np
import pytest

from ner.decode import allowed_transitions, decode

TAGS = ["O", "B-ORG", "I-ORG", "B-AMOUNT", "I-AMOUNT"]


def probs(*rows):
    return np.array(rows, dtype=np.float32)


def test_argmax_keeps_an_invalid_sequence_viterbi_repairs_it():
    # token 2 leans I-AMOUNT after an ORG entity: argmax gives B-ORG I-ORG I-AMOUNT
    p = probs(
        [0.05, 0.9, 0.02, 0.02, 0.01],
        [0.05, 0.02, 0.9, 0.02, 0.01],
        [0.05, 0.02, 0.40, 0.03, 0.50],
    )
    assert decode(p, TAGS, "argmax").tolist() == [1, 2, 4]
    # the best valid path: 0.9·0.9·0.40 for B-ORG I-ORG I-ORG beats any path ending in I-AMOUNT
    assert decode(p, TAGS, "viterbi").tolist() == [1, 2, 2]


def test_viterbi_never_starts_with_or_jumps_into_an_inside_tag():
    p = probs([0.1, 0.3, 0.5, 0.05, 0.05], [0.2, 0.05, 0.7, 0.0, 0.05], [0.4, 0.0, 0.0, 0.0, 0.6])
    assert [TAGS[i] for i in decode(p, TAGS, "argmax")] == ["I-ORG", "I-ORG", "I-AMOUNT"]
    # best valid path: B-ORG I-ORG O = 0.3·0.7·0.4 = 0.084 (O O O is 0.008, B-AMOUNT I-AMOUNT I-AMOUNT 0.0015)
    assert [TAGS[i] for i in decode(p, TAGS, "viterbi")] == ["B-ORG", "I-ORG", "O"]
    start, move = allowed_transitions(TAGS)
    assert start.tolist() == [True, True, False, True, False]
    assert move[TAGS.index("B-ORG"), TAGS.index("I-ORG")] and not move[TAGS.index("O"), TAGS.index("I-ORG")]
    assert not move[TAGS.index("I-ORG"), TAGS.index("I-AMOUNT")]


def test_valid_argmax_paths_are_left_alone_and_empty_input_works():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5), size=40).astype(np.float32)
    p[:, 2] = p[:, 4] = 0.0  # no inside tags at all: every argmax path is valid
    assert decode(p, TAGS, "viterbi").tolist() == decode(p, TAGS, "argmax").tolist()
    assert decode(np.zeros((0, 5), dtype=np.float32), TAGS).tolist() == []
    with pytest.raises(ValueError, match="decoding"):
        decode(p, TAGS, "beam")


def test_viterbi_equals_brute_force_over_all_valid_paths():
    import itertools

    start, move = allowed_transitions(TAGS)
    rng = np.random.default_rng(3)
    for _ in range(20):
        p = rng.dirichlet(np.ones(len(TAGS)) * 0.3, size=5).astype(np.float64)
        valid = (
            path for path in itertools.product(range(len(TAGS)), repeat=5)
            if start[path[0]] and all(move[a, b] for a, b in zip(path, path[1:]))
        )
        best = max(valid, key=lambda path: sum(np.log(p[t, j]) for t, j in enumerate(path)))
        assert decode(p, TAGS, "viterbi").tolist() == list(best)


def test_viterbi_words_keeps_entity_starts_and_name_ends_on_word_edges():
    # 省政府 is one word: the model ends ORG after 省政 (府 leans O), viterbi-words cannot
    p = probs(
        [0.05, 0.9, 0.02, 0.02, 0.01],  # 省
        [0.05, 0.02, 0.9, 0.02, 0.01],  # 政
        [0.55, 0.02, 0.40, 0.02, 0.01],  # 府, inside the word
        [0.9, 0.05, 0.03, 0.01, 0.01],  # 。
    )
    inside = np.array([False, True, True, False])
    assert [TAGS[i] for i in decode(p, TAGS, "viterbi")] == ["B-ORG", "I-ORG", "O", "O"]
    assert [TAGS[i] for i in decode(p, TAGS, "viterbi-words", inside)] == ["B-ORG", "I-ORG", "I-ORG", "O"]
    # nor may a name begin inside a word, nor a new entity follow a name there
    q = probs([0.9, 0.05, 0.0, 0.05, 0.0], [0.2, 0.7, 0.0, 0.1, 0.0], [0.3, 0.0, 0.7, 0.0, 0.0])
    assert [TAGS[i] for i in decode(q, TAGS, "viterbi-words", np.array([False, True, True]))] == ["O", "O", "O"]
    r = probs([0.0, 0.9, 0.1, 0.0, 0.0], [0.0, 0.0, 0.3, 0.7, 0.0])
    assert [TAGS[i] for i in decode(r, TAGS, "viterbi-words", np.array([False, True]))] == ["B-ORG", "I-ORG"]
    # other entities may end inside a word (jieba glues particles onto them: 15 | 亿左右) but not begin there
    a = probs([0.1, 0.0, 0.0, 0.9, 0.0], [0.6, 0.0, 0.0, 0.0, 0.4])
    assert [TAGS[i] for i in decode(a, TAGS, "viterbi-words", np.array([False, True]))] == ["B-AMOUNT", "O"]
    b = probs([0.9, 0.0, 0.0, 0.1, 0.0], [0.3, 0.0, 0.0, 0.7, 0.0])
    assert [TAGS[i] for i in decode(b, TAGS, "viterbi-words", np.array([False, True]))] == ["O", "O"]
    with pytest.raises(ValueError, match="inside-a-word flag per token"):
        decode(p, TAGS, "viterbi-words")


def test_viterbi_words_equals_brute_force_and_without_inner_tokens_equals_viterbi():
    import itertools

    from ner.decode import inside_word_moves

    start, move = allowed_transitions(TAGS)
    within = move & inside_word_moves(TAGS)
    rng = np.random.default_rng(5)
    for _ in range(20):
        p = rng.dirichlet(np.ones(len(TAGS)) * 0.3, size=5).astype(np.float64)
        inside = rng.random(5) < 0.4
        valid = (
            path for path in itertools.product(range(len(TAGS)), repeat=5)
            if start[path[0]] and all((within if inside[t] else move)[path[t - 1], path[t]] for t in range(1, 5))
        )
        best = max(valid, key=lambda path: sum(np.log(p[t, j]) for t, j in enumerate(path)))
        assert decode(p, TAGS, "viterbi-words", inside).tolist() == list(best)
        assert decode(p, TAGS, "viterbi-words", np.zeros(5, bool)).tolist() == decode(p, TAGS, "viterbi").tolist()
