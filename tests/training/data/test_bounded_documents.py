"""One very large document costs about its own text, not its ids many times over; the
`<unk>` share of a run's tokens is counted a block at a time."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np

from lstm_core.tokenizers import CharTokenizer
from tests.peak_memory import run_with_peak
from training.data.documents import DocumentMode
from training.data.ingest import ingest_corpus
from training.resume_check import unknown_share

PEAK_MB = 600  # one 100 MB file held as one document peaked at 2.75 GB
LINE = "the cat sees a hen near the river, and the owl finds a yak.\n"


def test_one_large_file_is_encoded_in_bounded_memory(tmp_path: Path) -> None:
    big, small = tmp_path / "big.txt", tmp_path / "small.txt"
    with big.open("w", encoding="utf-8") as out:
        for _ in range(60_000_000 // (len(LINE) * 1000)):
            out.write(LINE * 1000)
    small.write_text(LINE * 20, encoding="utf-8")
    code = (
        "from pathlib import Path\n"
        "from training.data.documents import DocumentMode\n"
        "from training.data.ingest import ingest_corpus\n"
        f"corpus = ingest_corpus([{str(big)!r}, {str(small)!r}], mode=DocumentMode('files'),"
        f" cache_dir=Path({str(tmp_path / 'cache')!r}))\n"
        "result = {'documents': corpus.documents, 'tokens': len(corpus.tokens)}"
    )
    report, peak_mb = run_with_peak(code)
    chars = big.stat().st_size - 1 + small.stat().st_size - 1  # each file without its last newline
    assert report["documents"] == 2 and report["tokens"] == chars + 2  # and an <eod> after each
    assert peak_mb < PEAK_MB


def test_a_large_document_gets_the_ids_of_the_whole(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("ab c\n" * 400_000, encoding="utf-8")  # 2 MB: encoded in slices
    (tmp_path / "b.txt").write_text("c ba\n", encoding="utf-8")
    corpus = ingest_corpus(
        [tmp_path / "a.txt", tmp_path / "b.txt"], mode=DocumentMode("files"), cache_dir=tmp_path / "c"
    )
    base = corpus.tokenizer.base  # type: ignore[attr-defined]
    eod = corpus.tokenizer.vocab_size - 1
    expected = [*base.encode(("ab c\n" * 400_000).strip("\n")), eod, *base.encode("c ba"), eod]
    assert np.array_equal(np.asarray(corpus.tokens), expected)


def test_unknown_share_counts_a_block_at_a_time() -> None:
    tokens = np.ones(32_000_000, dtype=np.uint8)
    tokens[::4] = 0  # <unk>: a quarter
    tokenizer = CharTokenizer(list("abc"))
    tracemalloc.start()
    try:
        share = unknown_share(tokens, tokenizer)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert share == 0.25
    assert peak < 8_000_000  # comparing all 32 million at once made 32 MB of flags
