from __future__ import annotations

import re

from training.demo.demo_corpus import (
    ANSWER_PREFIX,
    LANGUAGES,
    MAX_DISTANCE,
    PAIRS,
    corpus_text,
    generate_documents,
    probe_cases,
)


def _names_a_language(text: str) -> bool:
    return any(re.search(rf"\b{lang}\b", text) for lang in LANGUAGES)  # "Thai" is not in "Thailand"


def test_same_seed_same_text_other_seed_other_text() -> None:
    assert corpus_text(50, seed=3) == corpus_text(50, seed=3)
    assert corpus_text(50, seed=3) != corpus_text(50, seed=4)


def test_every_language_is_unique_and_never_in_the_filler() -> None:
    assert len(PAIRS) >= 20
    assert len(set(LANGUAGES)) == len(LANGUAGES)
    for doc in generate_documents(300, seed=1):
        before_answer = doc.text[: doc.text.rindex(ANSWER_PREFIX)]
        assert doc.country in before_answer
        assert not _names_a_language(before_answer)  # no hint besides the country
        assert doc.text.count(ANSWER_PREFIX) == 1
        assert doc.text.endswith(f"{ANSWER_PREFIX} {doc.language}.\n")
        assert dict(PAIRS)[doc.country] == doc.language


def test_distances_span_none_to_the_maximum() -> None:
    distances = [d.distance for d in generate_documents(2000, seed=2)]
    assert min(distances) == 0
    assert MAX_DISTANCE - 30 <= max(distances) <= MAX_DISTANCE
    # Spread out, not piled at one length: every 50-character band is represented.
    assert {d // 50 for d in distances if d < 300} == set(range(6))


def test_distance_is_the_filler_length() -> None:
    for doc in generate_documents(100, seed=5):
        fact_end = doc.text.index(".") + 1
        gap = doc.text[fact_end : doc.text.rindex(ANSWER_PREFIX)].strip()
        assert len(gap) == doc.distance


def test_probe_cases_end_right_after_the_question() -> None:
    cases = probe_cases(100, seed=9)
    assert all(c.prompt.endswith(ANSWER_PREFIX) for c in cases)
    assert not any(_names_a_language(c.prompt) for c in cases)
    assert {c.distance for c in cases} == {d.distance for d in generate_documents(100, seed=9)}
