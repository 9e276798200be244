"""A NUL byte past the first few kilobytes still makes a file binary: the whole file is looked
at, not its start, so text with a binary tail is never fed to the model as characters."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from tests.conftest import make_text
from training.data import corpus_messages as say
from training.data.corpus import SNIFF_BYTES, CorpusError
from training.data.ingest import ingest_corpus
from training.data.text_stream import scan_file

SIZE = 20_000  # bytes of text, well past what the start of a file is sniffed for
NUL_AT = 10_000


def _text_with_a_late_nul(path: Path) -> Path:
    text = make_text(5000).encode("utf-8")[:SIZE]
    assert NUL_AT > SNIFF_BYTES and len(text) == SIZE
    path.write_bytes(text[:NUL_AT] + b"\x00" + text[NUL_AT:])
    return path


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 4096])  # the NUL in the first chunk, or a later one
def test_a_late_nul_makes_a_file_binary(tmp_path: Path, chunk_bytes: int) -> None:
    path = _text_with_a_late_nul(tmp_path / "notes.txt")
    with pytest.raises(CorpusError) as err:
        scan_file(path, chunk_bytes=chunk_bytes)
    assert str(err.value) == say.binary_nul(path)


def test_a_file_named_directly_with_a_late_nul_is_refused(tmp_path: Path) -> None:
    path = _text_with_a_late_nul(tmp_path / "notes.txt")
    with pytest.raises(CorpusError) as err:
        ingest_corpus([path], cache_dir=tmp_path / "cache")
    assert str(err.value) == say.binary_nul(path)


def test_a_folders_file_with_a_late_nul_is_skipped_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(make_text(2000, seed=1), encoding="utf-8")
    bad = _text_with_a_late_nul(folder / "notes.txt")
    corpus = ingest_corpus([folder], cache_dir=tmp_path / "cache")
    assert [Path(f.path).name for f in corpus.files] == ["good.txt"]
    assert say.skipped(say.binary_nul(bad)) in corpus.warnings


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_wide_encodings_keep_their_nul_bytes(tmp_path: Path, codec: str) -> None:
    # Every ASCII character of UTF-16 or UTF-32 text has NUL bytes: those files are text.
    path = tmp_path / "wide.txt"
    path.write_bytes(make_text(2000).encode(codec))
    scanned = scan_file(path, chunk_bytes=4096)
    assert scanned.codec == codec and scanned.warning is None


def test_a_nul_past_a_utf8_mark_makes_a_file_binary(tmp_path: Path) -> None:
    path = tmp_path / "marked.txt"
    path.write_bytes(codecs.BOM_UTF8 + _text_with_a_late_nul(tmp_path / "plain.txt").read_bytes())
    with pytest.raises(CorpusError) as err:
        scan_file(path)
    assert str(err.value) == say.binary_nul(path)
