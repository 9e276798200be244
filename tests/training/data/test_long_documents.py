"""Long documents streamed, never held whole: the same documents, de-duplication and ids as
reading the text whole (``test_ingest_documents`` holds both ways side by side), and too few
documents refused before the text is read, or as soon as its first read ends."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

import pytest

from lstm_core.doc_tokens import DocumentTokenizer
from training.data import document_stream, ingest
from training.data.corpus import CorpusError, expand_paths, load_corpus
from training.data.document_stream import LONG_DOCUMENT, LongDocument, stream_documents
from training.data.documents import DocumentMode, split_documents
from training.data.ingest import ingest_corpus
from training.data.text_stream import StreamReport, scan_file, stream_text

from .test_ingest_documents import _document_tokenizer

# Words, separators, runs of line breaks (which the streamed cut holds back across pieces) and
# white space that makes a document empty, in 2-, 3- and 4-byte characters too.
_PARTS = ["the", " cat", "cat", "ca", "t", " hen", ".", " ", "\t", "\n", "\n\n", "\n\n\n\n", "  \n "]
_PARTS += ["é", " naïve", "日本", " 😀", "x\x1cy"]


def _random_file(path: Path, rng: random.Random) -> None:
    text = "".join(rng.choice(_PARTS) for _ in range(rng.randrange(1, 400)))
    # Not white space last, before the line breaks: ``stream_text`` drops a file's trailing
    # tabs and spaces when a chunk of its own holds them (load_corpus keeps them).
    path.write_text(text + "owl" + "\n" * rng.randrange(3), encoding="utf-8")


def _streamed(folder: Path, mode: DocumentMode, chunk_bytes: int) -> tuple[list[str], int]:
    """(the documents, each long one's pieces joined; how many were long)."""
    scanned = [(scan_file(p), named) for p, named in expand_paths([folder])]
    report = StreamReport([], [])
    pieces = stream_text(scanned, report, chunk_bytes=chunk_bytes)
    documents, long = [], 0
    for document in stream_documents(pieces, report, mode):
        long += isinstance(document, LongDocument)
        documents.append(document if isinstance(document, str) else "".join(document))
    return documents, long


@pytest.mark.parametrize("mode_text", ["files", "lines", "separator:cat", "separator:\\n\\n"])
@pytest.mark.parametrize("chunk_bytes", [1, 5, 64])
def test_documents_cut_a_piece_at_a_time_are_those_of_the_whole_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode_text: str, chunk_bytes: int
) -> None:
    # Long from 6 characters on: most documents are handed on as pieces, across many pieces.
    monkeypatch.setattr(document_stream, "LONG_DOCUMENT", 6)
    rng = random.Random(chunk_bytes)
    for index in range(4):
        folder = tmp_path / str(index)
        folder.mkdir()
        for name in "abcd":
            _random_file(folder / f"{name}.txt", rng)
        mode = DocumentMode.parse(mode_text)
        documents, long = _streamed(folder, mode, chunk_bytes)
        assert documents == split_documents(load_corpus([folder]), mode, minimum=0)
        assert long


def _long_text(seed: int, chars: int, *, lines: bool) -> str:
    """Text with words, multi-byte characters and (unless it is to be one line) line breaks,
    none at either end."""
    rng = random.Random(seed)
    parts = ["the", " cat", " sat", ".", " 42", " ", "\t", "é", " naïve", "日本語", " 😀"]
    parts += [] if lines else ["\n", "\n\n", "\n\n\n"]
    text = "".join(rng.choice(parts) for _ in range(chars // 3))
    return "x" + text[:chars] + "y"


def _long_documents_folder(tmp_path: Path, *, lines: bool) -> Path:
    """Long documents: one again in all but the line breaks around it (the same document,
    other bytes), one beginning as they do but ending otherwise, another; and short ones."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    long = _long_text(1, 3 * LONG_DOCUMENT, lines=lines)
    (folder / "a.txt").write_text(long, encoding="utf-8")
    (folder / "b.txt").write_text("\n\n" + long + "\n\n\n", encoding="utf-8")
    (folder / "c.txt").write_text(long[: 2 * LONG_DOCUMENT] + " and then the owl", encoding="utf-8")
    (folder / "d.txt").write_text("a short one\nof two lines\n", encoding="utf-8")
    (folder / "e.txt").write_text(_long_text(2, 2 * LONG_DOCUMENT, lines=lines), encoding="utf-8")
    return folder


@pytest.mark.parametrize("mode_text", ["files", "lines"])
@pytest.mark.parametrize("level", ["char", "word", "bpe"])
def test_long_documents_get_the_tokenizer_and_ids_of_the_whole_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, level: str, mode_text: str
) -> None:
    mode = DocumentMode.parse(mode_text)
    folder = _long_documents_folder(tmp_path, lines=mode.kind == "lines")
    documents = split_documents(load_corpus([folder]), mode)
    whole = _document_tokenizer(level, documents)
    unique = list(dict.fromkeys(documents))
    assert len(unique) < len(documents)  # a long copy to drop
    spilled: list[Any] = []
    temporary_file = tempfile.TemporaryFile

    def spill(*args: Any, **kwargs: Any) -> Any:
        spilled.append(kwargs.get("dir"))
        return temporary_file(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", spill)
    given = whole if level == "bpe" else None  # BPE learns from a sample: compare with its ids
    cache = tmp_path / "cache"
    streamed = ingest_corpus(
        [folder], level=level, mode=mode, tokenizer=given, cache_dir=cache, chunk_bytes=999
    )
    assert isinstance(streamed.tokenizer, DocumentTokenizer)
    assert streamed.tokenizer.to_dict() == whole.to_dict()
    assert streamed.documents == len(unique)
    assert streamed.tokens.tolist() == whole.encode_documents(unique)
    # b.txt is a.txt's document again and c.txt's begins as that one does: each is written
    # aside while it is hashed (in the cache's folder), the one dropped, the other read back.
    assert len(spilled) == 2 and set(spilled) == {cache}


def test_one_file_is_refused_before_its_text_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the text was read")

    monkeypatch.setattr(ingest, "stream_text", no_reading)
    one = tmp_path / "one.txt"
    one.write_text("a single file, however long, is one document\n" * 30, encoding="utf-8")
    expected = r"one\.txt: splitting by files gives 1 document\(s\); at least 2 needed"
    with pytest.raises(CorpusError, match=expected):
        ingest_corpus([one], mode=DocumentMode("files"), cache_dir=tmp_path / "cache")
    # A second file with the same bytes is left out before reading too: still one document.
    (tmp_path / "copy.txt").write_bytes(one.read_bytes())
    with pytest.raises(CorpusError, match=r"gives 1 document\(s\)"):
        ingest_corpus([one, tmp_path / "copy.txt"], mode=DocumentMode("files"), cache_dir=tmp_path / "cache")


def test_one_line_is_refused_as_the_first_read_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    real_stream_text = ingest.stream_text

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return real_stream_text(*args, **kwargs)

    def no_encoding(*args: object) -> None:
        raise AssertionError("the documents were encoded")

    monkeypatch.setattr(ingest, "stream_text", counted)
    monkeypatch.setattr(ingest, "DocumentEncoder", no_encoding)
    one = tmp_path / "one.txt"
    one.write_text("\n\n" + "a line with no end " * 5000 + "\n\n", encoding="utf-8")
    expected = r"one\.txt: splitting by lines gives 1 document\(s\); at least 2 needed"
    with pytest.raises(CorpusError, match=expected):
        ingest_corpus([one], mode=DocumentMode("lines"), cache_dir=tmp_path / "cache")
    assert len(reads) == 1
