"""The held-out text without what training also holds: exact spans, cut out, reported."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_core.tokenizers import train_tokenizer
from training.data.overlap import MIN_UNSEEN_TOKENS, Overlap, measure_overlap, seen_mask, span_tokens
from training.run_corpus import split_data, unseen_documents


def brute_force_mask(train: np.ndarray, held: np.ndarray, span: int) -> np.ndarray:
    grams = {tuple(train[i : i + span]) for i in range(len(train) - span + 1)}
    mask = np.zeros(len(held), dtype=bool)
    for i in range(len(held) - span + 1):
        if tuple(held[i : i + span]) in grams:
            mask[i : i + span] = True
    return mask


@pytest.mark.parametrize("seed", range(5))
def test_the_mask_is_exactly_the_shared_spans(seed: int) -> None:
    rng = np.random.default_rng(seed)
    train = rng.integers(0, 3, 3000).astype(np.uint16)  # a 3-letter alphabet shares many short spans
    held = rng.integers(0, 3, 400).astype(np.uint16)
    held[100:160] = train[2000:2060]  # and one long copied passage
    mask, complete = seen_mask(train, held, 9)
    assert complete
    assert np.array_equal(mask, brute_force_mask(train, held, 9))
    assert mask[100:160].all()


def test_a_repeated_passage_is_cut_from_the_held_out_text() -> None:
    rng = np.random.default_rng(0)
    passage = rng.integers(0, 60, 5000).astype(np.uint16)
    fresh = rng.integers(0, 60, 3000).astype(np.uint16)
    train = np.concatenate([passage, rng.integers(0, 60, 20000).astype(np.uint16)])
    held = np.concatenate([passage[1000:2000], fresh])
    overlap, unseen = measure_overlap(train, held, 50)
    assert overlap.seen_tokens == 1000
    assert overlap.share == pytest.approx(0.25)
    assert np.array_equal(unseen, fresh)
    assert overlap.describe() == "25.0% of the held-out text also appears in training"


def test_text_that_never_repeats_has_no_overlap() -> None:
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, 60, 50_000).astype(np.uint16)
    overlap, unseen = measure_overlap(tokens[:40_000], tokens[40_000:], 50)
    assert overlap == Overlap(10_000, 0)
    assert len(unseen) == 10_000


def test_spans_are_about_fifty_characters_at_every_level() -> None:
    assert span_tokens(1.0) == 50
    assert span_tokens(5.0) == 10
    assert span_tokens(40.0) == 8  # never so short that common phrases count


def test_a_text_repeated_in_full_is_scored_on_its_unseen_part_only() -> None:
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(300)]
    unique = " ".join(rng.choice(words, 6000))
    repeated = " ".join(rng.choice(words, 3000))
    text = repeated + "\n" + unique + "\n" + repeated  # the second copy also lands in held-out stripes
    tokenizer = train_tokenizer("char", text)
    tokens = np.asarray(tokenizer.encode(text), dtype=np.uint16)
    data = split_data(tokenizer, tokens, 0.1)
    assert data.overlap is not None
    assert data.overlap.share > 0.3  # the stripes in either copy are also in the other
    assert len(data.val) == data.overlap.held_tokens - data.overlap.seen_tokens
    assert len(data.val) >= MIN_UNSEEN_TOKENS
    assert data.val_chars == len(data.val)


def test_too_little_unseen_text_keeps_the_held_out_text_and_says_so() -> None:
    text = "the same short line, over and over again.\n" * 2000
    tokenizer = train_tokenizer("char", text)
    tokens = np.asarray(tokenizer.encode(text), dtype=np.uint16)
    data = split_data(tokenizer, tokens, 0.1)
    assert data.overlap is not None and data.overlap.share > 0.99
    assert len(data.val) == data.overlap.held_tokens  # nothing left to cut to: kept whole


def test_duplicate_held_out_documents_are_dropped_whole() -> None:
    rng = np.random.default_rng(3)
    eod = 99
    docs = [rng.integers(0, 60, 700).astype(np.uint16) for _ in range(12)]
    train = np.concatenate([np.append(d, eod) for d in docs[:8]])
    held_docs = [docs[2], docs[8], docs[9], docs[10], docs[5], docs[11]]  # two are copies of training ones
    held = np.concatenate([np.append(d, eod) for d in held_docs])
    tokenizer = train_tokenizer("char", "".join(chr(65 + i) for i in range(60)) * 3)
    data = unseen_documents(tokenizer, train, held, eod)
    assert data.overlap is not None
    assert data.overlap.seen_tokens >= 2 * 700
    expected = np.concatenate([np.append(d, eod) for d in (docs[8], docs[9], docs[10], docs[11])])
    assert np.array_equal(data.val, expected)


def test_span_hashes_built_by_doubling_equal_the_token_at_a_time_sum() -> None:
    from training.data.overlap import _BASE, _span_hashes

    rng = np.random.default_rng(0)
    for span in (1, 2, 3, 8, 13, 50, 64, 100):
        tokens = rng.integers(0, 300, size=600).astype(np.uint16)
        count = len(tokens) - span + 1
        ids, expected = tokens.astype(np.uint64), np.zeros(count, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(span):
                expected *= _BASE
                expected += ids[j : j + count]
        assert np.array_equal(_span_hashes(tokens, span), expected), span


def test_the_overlap_of_a_cached_corpus_is_measured_once_and_read_back(tmp_path, monkeypatch) -> None:
    import training.run_corpus as run_corpus
    from training.data.overlap_cache import PREFIX, entry_folder

    rng = np.random.default_rng(1)
    tokens = rng.integers(0, 60, size=60_000).astype(np.uint16)
    tokens[50_000:50_400] = tokens[1_000:1_400]  # a copied passage in the held-out part
    path = tmp_path / "tokens.bin"
    tokens.tofile(path)
    mapped = np.memmap(path, dtype=np.uint16, mode="r")
    train, held = mapped[:48_000], mapped[48_000:]
    assert entry_folder(train) == tmp_path and entry_folder(np.arange(3)) is None

    first = run_corpus._seen_mask(train, held, 50)
    assert first[0][2_000:2_400].all() and first[0].sum() < 500 and first[1]
    assert len(list(tmp_path.glob(f"{PREFIX}*.npy"))) == 1

    def not_again(*_args: object) -> None:
        raise AssertionError("measured again")

    monkeypatch.setattr(run_corpus, "seen_mask", not_again)
    again = run_corpus._seen_mask(train, held, 50)
    assert np.array_equal(again[0], first[0]) and again[1] == first[1]

    # A damaged record is measured again, never trusted.
    stored = next(tmp_path.glob(f"{PREFIX}*.npy"))
    stored.write_bytes(stored.read_bytes()[:-10])
    monkeypatch.undo()
    assert np.array_equal(run_corpus._seen_mask(train, held, 50)[0], first[0])
