"""The end of a corpus, as the window's measurements read it: the same text, bounded."""

from __future__ import annotations

from pathlib import Path

from training.data.corpus import load_corpus
from training.data.text_end import read_end


def test_the_end_is_the_last_share_of_the_joined_text(tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    for i in range(5):
        (folder / f"{i}.txt").write_text(f"file {i}: " + "a line of text\n" * (200 + i), encoding="utf-8")
    whole = load_corpus([folder], min_chars=2).text
    assert read_end([folder], share=0.1) == whole[int(len(whole) * 0.9) :]


def test_a_large_corpus_keeps_only_its_last_characters(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("".join(f"line {i} of a long text\n" for i in range(200_000)), encoding="utf-8")
    end = read_end([big], share=0.1, most_chars=10_000)
    whole = load_corpus([big], min_chars=2).text
    assert len(end) == 10_000 and whole.endswith(end)
