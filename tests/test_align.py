"""Spans → token tags → spans, and windows that never cut an entity."""

from __future__ import annotations

import bisect

import pytest

from ner.align import spans_to_tags, tags_to_spans
from ner.encoding import encode_texts, training_windows
from ner.labels import bio_tags
from ner.windows import plan_windows


def test_round_trip_on_every_gold_document(tokenizer, gold_docs):
    encs = encode_texts(tokenizer, [d.text for d in gold_docs])
    for doc, enc in zip(gold_docs, encs):
        tags = spans_to_tags(enc.offsets, doc.spans)
        back = [s for s, _ in tags_to_spans(enc.offsets, tags)]
        assert back == doc.spans, doc.id


def test_lenient_decoding_and_scores():
    offsets = [(0, 1), (1, 2), (2, 3), (3, 4), (5, 6)]
    tags = ["I-ORG", "I-ORG", "O", "B-AMOUNT", "I-METRIC"]
    spans = tags_to_spans(offsets, tags, [0.5, 1.0, 0.9, 0.8, 0.7])
    assert [(s.start, s.end, s.label, round(sc, 3)) for s, sc in spans] == [
        (0, 2, "ORG", 0.75), (3, 4, "AMOUNT", 0.8), (5, 6, "METRIC", 0.7)]


@pytest.mark.parametrize("max_tokens,overlap", [(30, 8), (62, 16), (254, 32)])
def test_windows_cover_everything_and_keep_entities_whole(tokenizer, gold_docs, max_tokens, overlap):
    for doc, enc in zip(gold_docs, encode_texts(tokenizer, [d.text for d in gold_docs])):
        windows = plan_windows(doc.text, enc.offsets, max_tokens, overlap, doc.spans)
        assert windows[0][0] == 0 and windows[-1][1] == len(enc.offsets)
        for (a, b), (c, d) in zip(windows, windows[1:]):
            assert a < c <= b, "windows advance and leave no gap"
        starts = [o[0] for o in enc.offsets]
        # an entity longer than a window cannot be kept whole
        fitting = [s for s in doc.spans if bisect.bisect_left(starts, s.end) - bisect.bisect_left(starts, s.start) <= max_tokens]
        for a, b in windows:
            assert 0 < b - a <= max_tokens
            lo, hi = enc.offsets[a][0], enc.offsets[b - 1][1]
            for s in fitting:
                inside = lo <= s.start < hi or lo < s.end <= hi
                assert not inside or (lo <= s.start and s.end <= hi), (doc.id, s, lo, hi)


def test_windows_prefer_sentence_ends(tokenizer):
    text = "。".join(["工业总产值增长" + "一" * 20] * 20) + "。"
    (enc,) = encode_texts(tokenizer, [text])
    for a, b in plan_windows(text, enc.offsets, 100, 20)[:-1]:
        assert text[enc.offsets[b - 1][1] - 1] == "。"


def test_training_windows_carry_special_tokens_and_labels(tokenizer, gold_docs):
    tags = {t: i for i, t in enumerate(bio_tags())}
    windows = training_windows(tokenizer, gold_docs[:2], tags, 64, 8)
    for w in windows:
        assert len(w.input_ids) == len(w.labels) <= 64
        assert w.input_ids[0] == tokenizer.cls_token_id and w.input_ids[-1] == tokenizer.sep_token_id
        assert w.labels[0] == w.labels[-1] == -100
        inner = w.labels[1:-1]
        assert not inner or inner[0] == 0 or bio_tags()[inner[0]].startswith("B-")


def test_full_width_and_upper_case_are_folded_without_moving_offsets(tokenizer):
    text = "ＧＤＰ增长１５％，ABC"
    (enc,) = encode_texts(tokenizer, [text])
    assert "[UNK]" not in tokenizer.convert_ids_to_tokens(enc.ids)
    assert enc.offsets[-1][1] == len(text)


def test_traditional_characters_reach_the_model_as_simplified(tokenizer, gold_docs):
    from ner.textnorm import normalize_text

    traditional, simplified = "園區8家企業超50畝用地，為300余戶農戶", "园区8家企业超50亩用地，为300余户农户"
    assert normalize_text(traditional) == normalize_text(simplified)
    (a, b) = encode_texts(tokenizer, [traditional, simplified])
    assert a.ids == b.ids and a.offsets == b.offsets
    # simplified text keeps its characters (著 of 显著 is simplified too)
    assert normalize_text("显著提升") == "显著提升"
    changed = {d.id: sum(x != y for x, y in zip(d.text, normalize_text(d.text)) if "\u4e00" <= x <= "\u9fff") for d in gold_docs}
    assert changed.pop("004_5abcda874813a6dd.txt") > 2000  # the one traditional seed report
    assert not any(changed.values()), changed
