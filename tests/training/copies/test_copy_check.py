"""The copy check: copied spans found exactly, with their source file and line."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import make_text
from training.checkpoints.checkpoint import load_model
from training.cli import main
from training.copies.copy_check import INDEX_DIR, copy_checker, find_line
from training.copies.copy_index import CopyIndex
from training.copies.copy_summary import measure_copying, summarize_copies


def _longest_common_substring(a: np.ndarray, b: np.ndarray) -> int:
    """The brute-force answer the index must match (dynamic programming)."""
    best, prev = 0, np.zeros(len(b) + 1, dtype=np.int64)
    for x in a:
        cur = np.zeros_like(prev)
        cur[1:] = np.where(b == x, prev[:-1] + 1, 0)
        best = max(best, int(cur.max()))
        prev = cur
    return best


@pytest.mark.parametrize("max_entries", [10**9, 97])  # every position; a stride of dozens
def test_index_finds_the_longest_copied_span_guaranteed_by_its_stride(max_entries: int) -> None:
    rng = np.random.default_rng(1)
    corpus = rng.integers(0, 6, size=5000)
    index = CopyIndex.build(corpus, ngram=5, max_entries=max_entries)
    assert len(index.hashes) <= max_entries
    for trial in range(20):
        copy_len = index.guaranteed_tokens + int(rng.integers(0, 40))
        start = int(rng.integers(0, len(corpus) - copy_len))
        query = np.concatenate(
            [rng.integers(6, 9, 7), corpus[start : start + copy_len], rng.integers(6, 9, 5)]
        )
        longest = max((m.length for m in index.matches(query)), default=0)
        assert longest == _longest_common_substring(query, corpus) >= copy_len, trial
        for m in index.matches(query):  # every reported span is verbatim in the corpus
            assert np.array_equal(
                query[m.query_start : m.query_end], corpus[m.corpus_start : m.corpus_start + m.length]
            )


@pytest.fixture(scope="module")
def run_with_two_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("copies")
    (folder / "texts").mkdir()
    (folder / "texts" / "a.txt").write_text(make_text(3000, seed=1), encoding="utf-8")
    second = folder / "texts" / "b.txt"
    second.write_text(make_text(3000, seed=2), encoding="utf-8")
    tiny = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16", "--steps", "3"]
    assert main(["train", str(folder / "texts"), "--out", str(folder / "m"), *tiny]) == 0
    return folder / "m", second


def test_report_names_length_file_and_line(run_with_two_files, token_cache_folder) -> None:
    run, second = run_with_two_files
    _model, tok, meta = load_model(run)
    checker = copy_checker(meta, tok)
    lines = second.read_text(encoding="utf-8").splitlines()
    copied = lines[40] + "\n" + lines[41]
    text = "Zq§ " + copied + " §qZ xylophone jazz"
    report = checker.check(text, min_chars=30)
    assert report.longest is not None
    assert report.longest.length >= len(copied)
    assert text[report.longest.start : report.longest.end].strip() in second.read_text(encoding="utf-8")
    assert report.longest.source == "b.txt, line 41"
    assert report.describe().startswith(
        f"longest copied span: {report.longest.length} characters (from b.txt"
    )
    share = sum(s.length for s in report.spans) / len(text)
    assert report.copied_share == pytest.approx(min(share, 1.0), abs=0.02)
    assert 0.5 < report.copied_share < 1.0
    # Unrelated text: nothing long copied.
    rng = random.Random(0)
    noise = "".join(rng.choice("qxzjvk ") for _ in range(300))
    assert checker.check(noise).copied_share == 0.0
    # The index is kept in the per-user cache and read back the next time.
    assert list((token_cache_folder / INDEX_DIR).glob("*/index.json"))
    again = copy_checker(meta, tok)
    assert isinstance(again.index.tokens, np.memmap)


def test_cli_check_copies_in_json(run_with_two_files, capsys) -> None:
    run, _ = run_with_two_files
    capsys.readouterr()
    argv = ["generate", str(run), "--length", "40", "--seed", "1", "--num-samples", "2", "--json"]
    assert main([*argv, "--check-copies", "--copy-min-chars", "8"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 2
    for record in records:
        copies = record["copies"]
        assert copies["min_chars"] == 8 and 0.0 <= copies["copied_share"] <= 1.0
        for start, end, _source in copies["spans"]:
            assert end - start >= 8


def test_the_model_cards_copy_figure_sums_up_its_samples(run_with_two_files) -> None:
    run, second = run_with_two_files
    model, tok, meta = load_model(run)
    checker = copy_checker(meta, tok)
    copied = second.read_text(encoding="utf-8").splitlines()[10][:60]
    texts = ["qxzj " + copied + " vkq", "".join(random.Random(1).choice("qxzjvk ") for _ in range(200))]
    summary = summarize_copies(checker, texts, tokens=100, min_chars=30)
    assert summary.samples == 2 and summary.chars == sum(map(len, texts))
    assert summary.longest is not None and summary.longest.length >= len(copied)
    assert summary.copied_share == pytest.approx(summary.longest.length / summary.chars, abs=0.02)
    assert summary.describe().startswith(
        f"2 samples of 100 tokens: longest copied span: {summary.longest.length}"
    )
    measured = measure_copying(checker, model, samples=3, tokens=40, seed=2)
    assert measured.samples == 3 and 0.0 <= measured.copied_share <= 1.0
    assert measured == measure_copying(checker, model, samples=3, tokens=40, seed=2)  # seeded


@pytest.mark.parametrize("chunk", [3, 7, 1 << 20])
def test_the_source_line_is_found_across_chunk_borders_and_line_ends(tmp_path, chunk: int) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes("first\r\nsecond line\rthird é line\nfourth".encode())
    assert find_line(path, "utf-8", "third é", chunk) == 3
    assert find_line(path, "utf-8", "line\nthird", chunk) == 2
    assert find_line(path, "utf-8", "fourth", chunk) == 4
    assert find_line(path, "utf-8", "fifth", chunk) is None


def test_a_sparse_index_says_which_copies_are_certain_to_be_found() -> None:
    from lstm_core.tokenizers import train_tokenizer
    from training.copies.copy_check import CopyChecker

    text = make_text(3000, seed=3)
    tokenizer = train_tokenizer("char", text)
    ids = np.asarray(tokenizer.encode(text))
    dense = CopyChecker(CopyIndex.build(ids, ngram=12), tokenizer, ())
    sparse = CopyChecker(CopyIndex.build(ids, ngram=12, max_entries=len(ids) // 40), tokenizer, ())
    assert dense.certain_chars == 12 and "always found" not in dense.check(text[:300]).describe()
    report = sparse.check(text[:300])
    assert report.certain_chars == sparse.index.guaranteed_tokens > 50
    assert f"only copies of {report.certain_chars}+ characters are always found" in report.describe()
    assert report.to_dict()["certain_chars"] == report.certain_chars
