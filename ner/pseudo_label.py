"""Self-training data: a teacher model's confident labels on unlabelled reports.

A sentence is kept only when the teacher is sure of every token in it, not just of the
entities it found: a kept sentence also teaches that everything unmarked is not an entity, so
one unsure token (a possible missed name) would teach the student to miss it too. Reports that
contain a passage of a gold document are skipped, so a cross-validation fold never trains on
machine labels of the text it is scored on.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Container, Iterator, Sequence

from tqdm.auto import tqdm

from .entity import Document, Span
from .tagger import WindowedTagger

SENTENCE = re.compile(r"[^\s。！？；]+(?:[^\n。！？；]*[^\s。！？；])?[。！？；]?")  # trimmed, with its end mark
PROBE_CHARS = 30  # a gold passage this long found in a report marks the report as containing it
PROBE_STEP = 200
CHUNK = 64  # sentences tagged at a time, until enough are kept


@dataclass
class PseudoLabels:
    documents: list[Document]
    sentences_tagged: int = 0
    chars_tagged: int = 0
    skipped_reports: list[int] = field(default_factory=list)  # indices of reports holding gold text


def contains_gold(text: str, gold: Sequence[Document]) -> bool:
    """True when `text` holds a passage of any gold document (an excerpt's full report, say)."""
    return any(
        d.text[i : i + PROBE_CHARS] in text
        for d in gold
        for i in range(0, max(1, len(d.text) - PROBE_CHARS), PROBE_STEP)
        if d.text[i : i + PROBE_CHARS].strip()
    )


def sentences(reports: Sequence[str], skip: Container[int] = (), min_chars: int = 10) -> Iterator[Document]:
    """Each sentence of at least `min_chars` characters as an unlabelled document `report<n>:<offset>`.

    Sentences rather than paragraphs: one unsure token then costs one sentence, so the hard
    entities of a paragraph (names of projects and organisations) are not lost with it.
    """
    for n, text in enumerate(reports):
        if n not in skip:
            for m in SENTENCE.finditer(text):
                if m.end() - m.start() >= min_chars:
                    yield Document(f"report{n}:{m.start()}", m.group())


def pseudo_label(
    teacher: WindowedTagger,
    reports: Sequence[str],
    exclude: Sequence[Document] = (),
    min_confidence: float = 0.9,
    max_chars: int = 40_000,
    seed: int = 13,
    progress: bool = False,
) -> PseudoLabels:
    """Sentences drawn at random (seeded) whose every token the teacher predicts with at least
    `min_confidence`, labelled with its entities, until `max_chars` characters are kept.

    Sentences without any entity are not kept: they teach little and would crowd out the rest.
    """
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence must be between 0 and 1, got {min_confidence}")
    skipped = [n for n, text in enumerate(reports) if contains_gold(text, exclude)]
    pool = list(sentences(reports, skip=set(skipped)))
    random.Random(seed).shuffle(pool)
    result = PseudoLabels([], skipped_reports=skipped)
    kept_chars = 0
    bar = tqdm(total=max_chars, desc="self-training data", unit="char", disable=not progress)
    for k in range(0, len(pool), CHUNK):
        if kept_chars >= max_chars:
            break
        chunk = pool[k : k + CHUNK]
        texts = [s.text for s in chunk]
        for sent, (enc, probs) in zip(chunk, teacher.probabilities(texts)):
            result.sentences_tagged += 1
            result.chars_tagged += len(sent.text)
            if kept_chars >= max_chars or not len(probs) or probs.max(axis=1).min() < min_confidence:
                continue
            entities = teacher.decode(sent.text, enc, probs).entities
            if entities:
                spans = [Span(e.start, e.end, e.label) for e in entities]
                result.documents.append(Document(sent.id, sent.text, spans))
                kept_chars += len(sent.text)
                bar.update(min(len(sent.text), max_chars - bar.n))
    bar.close()
    return result
