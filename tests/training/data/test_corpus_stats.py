"""The corpus panel's counts: streamed, exact, and cheap in memory."""

from __future__ import annotations

import shutil
import subprocess
import tracemalloc
from pathlib import Path

import pytest

from lstm_core.tokenizers import word_pieces
from training.data import corpus_stats as stats_module
from training.data.corpus import CorpusError
from training.data.corpus_stats import PREVIEW_CHARS, count_level, read_corpus

TEXT_A = "Zoë wrote: naïve café — 東京 and back.\nThe cat sat on the mat.\n" * 40
TEXT_B = "\nAnother file, ending without a newline: ünïcödé ✓" * 30


def _wc_chars(path: Path) -> int | None:
    if shutil.which("wc") is None:
        return None
    done = subprocess.run(
        ["wc", "-m", str(path)], capture_output=True, text=True, env={"LC_ALL": "C.UTF-8"}, check=False
    )
    return int(done.stdout.split()[0]) if done.returncode == 0 else None


def test_one_file_counts_what_wc_and_a_set_say(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(TEXT_A, encoding="utf-8")
    loaded = read_corpus((str(path),), "char")
    assert loaded is not None
    assert loaded.corpus.chars == loaded.stats.tokens == len(TEXT_A)
    assert loaded.stats.vocab_size - 1 == len(set(TEXT_A))  # minus the model's token for unseen ones
    assert f"({len(TEXT_A):,} characters)" in loaded.corpus.describe()
    wc = _wc_chars(path)
    if wc is not None:
        assert wc == len(TEXT_A)


def test_a_folder_counts_its_files_not_the_blank_line_between_them(tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT_A, encoding="utf-8")
    (folder / "b.txt").write_text(TEXT_B, encoding="utf-8")
    loaded = read_corpus((str(folder),), "char")
    assert loaded is not None
    assert loaded.corpus.chars == len(TEXT_A) + len(TEXT_B)
    assert [f.chars for f in loaded.corpus.files] == [len(TEXT_A), len(TEXT_B)]
    assert loaded.stats.vocab_size - 1 == len(set(TEXT_A + TEXT_B))
    wc_a, wc_b = _wc_chars(folder / "a.txt"), _wc_chars(folder / "b.txt")
    if wc_a is not None and wc_b is not None:
        assert loaded.corpus.chars == wc_a + wc_b
    words = count_level(loaded.corpus, "word")
    assert words is not None and words.tokens == len(word_pieces(TEXT_A)) + len(word_pieces(TEXT_B))


def test_a_two_byte_file_is_too_short_with_its_true_count(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_bytes(b"hi")
    with pytest.raises(CorpusError, match=r"tiny\.txt: too short to learn from \(2 characters"):
        read_corpus((str(path),), "char")


def test_counts_do_not_depend_on_where_chunks_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes((TEXT_A.replace("\n", "\r\n")).encode("utf-8"))
    whole = read_corpus((str(path),), "word")
    monkeypatch.setattr(stats_module, "READ_BYTES", 7)  # cuts inside characters, words and "\r\n"
    monkeypatch.setattr(stats_module, "SLICE_CHARS", 5)
    small = read_corpus((str(path),), "word")
    assert whole is not None and small is not None
    assert small.stats == whole.stats and small.corpus.chars == whole.corpus.chars == len(TEXT_A)
    assert whole.stats.tokens == len(word_pieces(TEXT_A))


def test_a_big_file_is_read_with_little_memory_and_can_be_stopped(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    line = "The quick brown fox jumps over the lazy dog, again and again.\n"
    path.write_text(line * 200_000, encoding="utf-8")  # 12.6 MB
    seen: list[float] = []
    tracemalloc.start()
    loaded = read_corpus((str(path),), "char", progress=seen.append)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert loaded is not None and loaded.corpus.chars == len(line) * 200_000
    assert peak < path.stat().st_size / 2  # a whole-text reader holds several copies of it
    assert loaded.corpus.preview == (line * 200)[:PREVIEW_CHARS]
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 2
    calls = 0

    def stop_after_a_few() -> bool:
        nonlocal calls
        calls += 1
        return calls > 5

    assert read_corpus((str(path),), "char", stopped=stop_after_a_few) is None
    assert count_level(loaded.corpus, "word", stopped=lambda: True) is None
