"""A folder's held-out text is whole files: none of a held-out file is trained on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstm_core.tokenizers import decode, train_tokenizer
from training.common.events import ignore_events
from training.data.corpus_messages import held_files_note
from training.data.documents import DocumentMode
from training.data.holdout import STRIPED_UP_TO, file_spans, holdout_size, split_holdout
from training.data.token_encode import encode_pieces
from training.run_corpus import RunCorpus, read_run_corpus
from training.runtime.distributed import DistContext


def test_equal_files_are_held_out_whole_and_spread_over_the_stream() -> None:
    ends = [1_000 * (i + 1) for i in range(100)]  # a hundred files of 1,000 tokens
    spans = file_spans(ends, 0.05)
    assert spans is not None
    assert sum(e - s for s, e in spans) == 5_000  # five files: the hold-out's size
    assert all(s % 1_000 == 0 and e % 1_000 == 0 for s, e in spans)  # whole files
    starts = [s for s, _ in spans]
    assert starts[0] < 30_000 and starts[-1] > 70_000  # spread, not the last five


def test_one_large_file_and_a_few_small_ones_keep_the_stripes() -> None:
    # No choice of whole files comes within a factor of two of 5 %: the stripes stay.
    assert file_spans([98_500, 99_000, 99_500, 100_000], 0.05) is None
    assert file_spans([100_000], 0.05) is None
    # Two files of which the second is half the stream: training would lose too much.
    assert file_spans([50_000, 100_000], 0.05) is None


def test_a_huge_stream_holds_out_its_last_whole_files_as_one_view() -> None:
    total = STRIPED_UP_TO + 10_000_000
    ends = [*range(500_000, total, 500_000), total]
    spans = file_spans(ends, 0.05)
    assert spans is not None and len(spans) == 1
    start, end = spans[0]
    assert end == total and start in ends
    assert holdout_size(total, 0.05) <= end - start < 2 * holdout_size(total, 0.05)
    tokens = np.zeros(total, dtype=np.uint8)
    train, val = split_holdout(tokens, 0.05, ends)
    assert train.base is not None and val.base is not None  # views: nothing copied


def test_split_keeps_every_token_once() -> None:
    tokens = np.arange(20_000, dtype=np.int64)
    ends = list(range(400, 20_001, 400))
    train, val = split_holdout(tokens, 0.1, ends)
    assert len(train) + len(val) == len(tokens)
    assert set(train.tolist()).isdisjoint(val.tolist())
    assert len(val) % 400 == 0


def _folder(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    rng = np.random.default_rng(0)
    words = ["river", "stone", "lamp", "window", "garden", "letter", "winter", "harbour", "candle"]
    for i in range(count):
        # Each file names itself throughout: a stripe through it would leak its name into training.
        body = " ".join(f"file{i:03d}" if j % 7 == 0 else str(rng.choice(words)) for j in range(120))
        (folder / f"note{i:03d}.txt").write_text(body + ".\n", encoding="utf-8")
    return folder


def _read(folder: Path, tmp_path: Path, level: str) -> RunCorpus:
    return read_run_corpus(
        [str(folder)],
        level=level,
        mode=DocumentMode.parse("stream"),
        resumed=None,
        out_dir=tmp_path / "run",
        dist_ctx=DistContext(),
        on_event=ignore_events,
        control=None,
    )


@pytest.mark.parametrize("level", ["char", "word"])
def test_a_folder_holds_out_whole_files(tmp_path: Path, level: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSTM_STUDIO_CACHE", str(tmp_path / "cache"))
    corpus = _read(_folder(tmp_path, 60), tmp_path, level)
    ends = corpus.file_ends
    assert ends is not None and len(ends) == 60 and ends[-1] == len(corpus.tokens)
    split = corpus.split(0.05)
    held_text = decode(corpus.tokenizer, split.val.tolist())
    train_text = decode(corpus.tokenizer, split.train.tolist())
    held_names = {w.strip(".") for w in held_text.split() if w.startswith("file")}
    assert 2 <= len(held_names) <= 6  # about 5 % of 60 files
    assert not any(name in train_text for name in held_names)  # no part of them is trained on
    # The run names them: the files it holds out are those whose names the held-out text has.
    assert {f"file{i:03d}" for i in split.held_files} == held_names
    note = held_files_note(split.held_files, corpus.info.files)
    assert note.startswith(f"validation holds out {len(held_names)} of 60 files whole")
    assert f"note{split.held_files[0]:03d}.txt" in note


@pytest.mark.parametrize("level", ["word", "bpe"])
def test_file_ends_are_where_each_files_tokens_end(level: str) -> None:
    texts = ["alpha beta gamma.", "delta epsilon  ", "zeta eta, theta iota"]  # the second ends in spaces
    whole = "\n\n".join(texts) + "\n"
    tokenizer = train_tokenizer(level, whole * 3)
    starts = [len(texts[0]), len(texts[0]) + 2 + len(texts[1])]
    pieces = [whole[:7], whole[7:30], whole[30:]]
    ends: list[int] = []
    ids = np.concatenate(list(encode_pieces(tokenizer, pieces, file_starts=starts, file_ends=ends)))
    assert ids.tolist() == tokenizer.encode(whole)  # the same ids as the whole text
    assert decode(tokenizer, ids[: ends[0]].tolist()) == texts[0]
    # A file ending in spaces ends at the last safe cut before them.
    assert decode(tokenizer, ids[ends[0] : ends[1]].tolist()) == "\n\ndelta epsilon"
