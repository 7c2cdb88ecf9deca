"""scripts/compare_journals.py pairs two CV recipes fold by fold; its numbers are checked by hand."""

from __future__ import annotations

import pytest

from ner.labels import LABELS


def _fold(overall: float, org: float | None) -> dict:
    """A fold's scores: every label seen with F1 0.5, except ORG (absent from the fold when None)."""
    scores = {label: {"f1": 0.5, "support": 1, "predicted": 1} for label in LABELS}
    scores["ORG"] = {"f1": org or 0.0, "support": int(org is not None), "predicted": int(org is not None)}
    scores["overall"] = {"f1": overall, "support": 5, "predicted": 5}
    return scores


def test_sign_flip_p_is_exact_by_hand(load_script) -> None:
    p = load_script("compare_journals").sign_flip_p
    # 3 folds, all B better: of the 8 sign patterns only +++ and --- reach |sum| 0.06 → 2/8
    assert p([0.01, 0.02, 0.03]) == pytest.approx(0.25)
    # +0.03, −0.01 (|sum| 0.02): unflipped and all-flipped give |0.02|, the mixed flips |0.04| → all 4
    assert p([0.03, -0.01]) == pytest.approx(1.0)
    # +0.03, +0.01: |sum| 0.04 is reached by (+,+) and (−,−) only → 2/4
    assert p([0.03, 0.01]) == pytest.approx(0.5)
    assert p([]) == 1.0 and p([0.0, 0.0]) == 1.0


def test_paired_uses_shared_folds_and_skips_unseen_labels(load_script) -> None:
    paired = load_script("compare_journals").paired
    a = {"d1": _fold(0.80, 0.4), "d2": _fold(0.70, None), "only_a": _fold(0.1, 0.1)}
    b = {"d1": _fold(0.83, 0.6), "d2": _fold(0.69, None), "only_b": _fold(0.9, 0.9)}

    result = paired(a, b)

    assert result["folds"] == ["d1", "d2"]
    overall = result["labels"]["overall"]
    assert overall["mean_a"] == pytest.approx(0.75) and overall["mean_b"] == pytest.approx(0.76)
    assert overall["mean_difference"] == pytest.approx(0.01)
    assert (overall["b_better"], overall["a_better"]) == (1, 1)
    org = result["labels"]["ORG"]  # d2 has no ORG on either side: only d1 counts
    assert org["folds"] == 1 and org["mean_difference"] == pytest.approx(0.2)
    assert result["per_fold"]["d1"]["ORG"] == [0.4, 0.6]


def test_no_shared_fold_is_a_clear_error(load_script) -> None:
    with pytest.raises(SystemExit, match="share no fold"):
        load_script("compare_journals").paired({"a": _fold(0.5, 0.5)}, {"b": _fold(0.5, 0.5)})


def test_too_many_folds_for_the_exact_test_is_a_clear_error(load_script) -> None:
    script = load_script("compare_journals")
    with pytest.raises(SystemExit, match="at most 20 folds"):
        script.sign_flip_p([0.01] * (script.MAX_EXACT_FOLDS + 1))


def test_changes_list_the_predictions_only_one_journal_made(load_script) -> None:
    from ner.entity import Document, Span

    compare = load_script("compare_journals")
    doc = Document("d", "总投资5亿元，省委部署", [Span(0, 3, "METRIC"), Span(3, 6, "AMOUNT"), Span(7, 9, "ORG")])
    a = {"d": {"predictions": [[3, 6, "AMOUNT"], [7, 10, "ORG"]]}}
    b = {"d": {"predictions": [[0, 3, "METRIC"], [3, 6, "AMOUNT"], [7, 9, "ORG"]]}, "e": {"predictions": [[0, 1, "ORG"]]}}
    assert compare.changed_predictions(a, b, {"d": doc}) == [
        {"fold": "d", "only_in": "A", "label": "ORG", "text": "省委部", "gold": False},
        {"fold": "d", "only_in": "B", "label": "METRIC", "text": "总投资", "gold": True},
        {"fold": "d", "only_in": "B", "label": "ORG", "text": "省委", "gold": True},
    ]
