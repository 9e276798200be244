"""Streaming ingestion: the same text and ids as reading everything at once, and the cache."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import numpy as np
import pytest

from lstm_core.tokenizers import decode, train_tokenizer
from training.common.events import Event, IngestEvent
from training.data import holdout
from training.data.corpus import expand_paths, load_corpus
from training.data.holdout import HOLDOUT_CAP, count_chars, holdout_size, split_holdout
from training.data.ingest import IngestCancelled, ingest_corpus
from training.data.text_stream import StreamReport, scan_file, stream_text
from training.data.token_encode import encode_pieces

# Multi-byte characters (2, 3 and 4 bytes in UTF-8), line ends of every kind, runs of white
# space, ASCII words and punctuation, and a separator that regex engines disagree about.
_PARTS = ["the", " cat", " sat", ".", "'s", " 42", " ", "  ", "\n", "\n\n", "\r\n", "\r", "\t"]
_PARTS += ["é", " naïve", "日本語", " 😀", "x\x1cy", "—"]


def _messy_text(seed: int, parts: int = 3000) -> str:
    rng = random.Random(seed)
    return "\n\r\n" + "".join(rng.choice(_PARTS) for _ in range(parts)) + "\n\n"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(_messy_text(1), encoding="utf-8", newline="")
    (folder / "b.txt").write_bytes(codecs.BOM_UTF8 + _messy_text(2).encode("utf-8"))
    (folder / "c.txt").write_bytes(("naïve café\r\n" * 50).encode("cp1252"))
    (folder / "d.txt").write_bytes(("wide text ü\r\n" * 20).encode("utf-16"))
    return folder


def _stream(folder: Path, chunk_bytes: int) -> tuple[str, StreamReport]:
    scanned = [(scan_file(p, chunk_bytes=chunk_bytes), named) for p, named in expand_paths([folder])]
    report = StreamReport([], [])
    return "".join(stream_text(scanned, report, chunk_bytes=chunk_bytes)), report


@pytest.mark.parametrize("chunk_bytes", [1, 3, 7, 4096])
def test_streamed_text_is_the_text_load_corpus_builds(tmp_path: Path, chunk_bytes: int) -> None:
    folder = _folder(tmp_path)
    whole = load_corpus([folder])
    text, report = _stream(folder, chunk_bytes)
    assert text == whole.text  # "\r\n" split across chunks, BOMs, fallbacks, joins and strips
    assert report.chars == len(whole.text)
    assert [f.encoding for f in report.files] == [f.encoding for f in whole.files]
    assert report.warnings == whole.warnings and any("cp1252" in w for w in report.warnings)


@pytest.mark.parametrize("level", ["char", "word", "bpe"])
@pytest.mark.parametrize("chunk_bytes", [3, 11, 1000])
def test_chunked_ids_equal_the_ids_of_the_whole_text(tmp_path: Path, level: str, chunk_bytes: int) -> None:
    folder = _folder(tmp_path)
    whole = load_corpus([folder]).text
    tokenizer = train_tokenizer(level, whole, vocab_size=300 if level != "char" else None)
    # The tokenizer's own encoder on the whole text at once, with no chunking at all.
    expected = tokenizer.encode(whole) if level == "char" else tokenizer.hf.encode(whole).ids  # type: ignore[attr-defined]
    text_pieces = stream_text(
        [(scan_file(p, chunk_bytes=chunk_bytes), n) for p, n in expand_paths([folder])],
        StreamReport([], []),
        chunk_bytes=chunk_bytes,
    )
    ids = np.concatenate(list(encode_pieces(tokenizer, text_pieces, sub_piece_chars=40)))
    assert ids.tolist() == expected
    assert ids.dtype == (np.uint8 if tokenizer.vocab_size <= 256 else np.uint16)


def test_the_cache_is_reused_while_the_corpus_is_unchanged_and_rebuilt_when_a_file_changes(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path)
    cache = tmp_path / "cache"
    stages: list[str] = []

    def on_event(event: Event) -> None:
        if isinstance(event, IngestEvent):
            stages.append(event.stage)

    first = ingest_corpus([folder], level="word", cache_dir=cache, on_event=on_event)
    assert not first.reused and "tokenising" in stages
    assert len(first.fingerprint) == 64 and int(first.fingerprint, 16) >= 0  # a hex digest
    stages.clear()
    again = ingest_corpus([folder], level="word", cache_dir=cache, on_event=on_event)
    assert again.reused and "tokenising" not in stages and "checking files" in stages
    assert again.fingerprint == first.fingerprint and np.array_equal(again.tokens, first.tokens)
    assert again.tokenizer.to_dict() == first.tokenizer.to_dict()
    assert again.chars == first.chars and again.warnings == first.warnings

    with (folder / "a.txt").open("a", encoding="utf-8") as handle:
        handle.write(" a changed ending\n")
    changed = ingest_corpus([folder], level="word", cache_dir=cache)
    assert not changed.reused and changed.fingerprint != first.fingerprint
    assert changed.chars == len(load_corpus([folder]).text)
    # The same files and tokenizer through the cache give what encoding the text gives.
    tokenizer = changed.tokenizer
    assert changed.tokens.tolist() == tokenizer.encode(load_corpus([folder]).text)


def test_a_cancelled_ingestion_stops_and_leaves_no_half_written_cache(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    cache = tmp_path / "cache"
    stop = {"now": False}

    def on_event(event: Event) -> None:  # Stop pressed once the token file is being written
        stop["now"] = stop["now"] or (isinstance(event, IngestEvent) and event.stage == "tokenising")

    with pytest.raises(IngestCancelled):
        ingest_corpus([folder], cache_dir=cache, on_event=on_event, cancelled=lambda: stop["now"])
    assert stop["now"]
    assert not list(cache.glob("tokens-*")) and not list(cache.glob(".tokens-*"))
    assert not ingest_corpus([folder], cache_dir=cache).reused  # nothing half-made was kept


def test_large_corpora_hold_out_a_fixed_number_of_tokens() -> None:
    assert holdout_size(10_000, 0.1) == 1_000  # small: the fraction
    assert holdout_size(10_000_000, 0.1) == HOLDOUT_CAP  # the border
    assert holdout_size(500_000_000, 0.1) == HOLDOUT_CAP  # 1 GB needs no 50 M tokens of validation


def test_the_held_out_text_is_ten_stripes_spread_over_the_stream() -> None:
    tokens = np.arange(1_000_000, dtype=np.uint32)
    train, val = split_holdout(tokens, 0.05)
    assert len(val) == 50_000 and len(train) == 950_000
    assert np.array_equal(np.sort(np.concatenate([train, val])), tokens)  # each token once
    assert val[-1] == tokens[-1]  # the last stripe ends the stream
    per_tenth = np.bincount(val // 100_000, minlength=10)
    assert (per_tenth == 5_000).all()  # a stripe in every tenth, none in training
    assert np.all(np.diff(train.astype(np.int64)) >= 1)  # training keeps the text's order


def test_a_stream_too_large_to_copy_holds_out_its_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(holdout, "STRIPED_UP_TO", 10_000_000)
    tokens = np.arange(20_000_000, dtype=np.uint32)
    train, val = split_holdout(tokens, 0.1)
    assert len(val) == HOLDOUT_CAP and val[0] == train[-1] + 1
    assert np.shares_memory(val, tokens) and np.shares_memory(train, tokens)  # views, no copy


def test_a_small_stream_holds_out_fewer_longer_stripes() -> None:
    assert len(holdout.holdout_spans(4_000, 0.05)) == 1  # 200 tokens: one stripe, at the end
    assert holdout.holdout_spans(4_000, 0.05) == [(3_800, 4_000)]
    assert len(holdout.holdout_spans(20_000, 0.05)) == 3  # 1,000 tokens: stripes of at least 256


@pytest.mark.parametrize("level", ["char", "word", "bpe"])
def test_held_out_characters_are_counted_without_decoding(level: str) -> None:
    text = _messy_text(3).replace("\r", "")
    tokenizer = train_tokenizer(level, text, vocab_size=300 if level != "char" else None)
    ids = np.array(tokenizer.encode(text))
    for part in (ids, ids[7:], ids[: len(ids) // 3]):
        assert count_chars(tokenizer, part) == len(decode(tokenizer, part.tolist()))
