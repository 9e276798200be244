from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import make_text
from training.data.batching import StreamBatcher, compact_dtype
from training.data.corpus import CorpusError, load_corpus
from training.data.corpus_stats import read_corpus
from training.data.ingest import ingest_corpus

TEXT = make_text(600) + "café naïve\n"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8 with BOM"),
        (TEXT.encode("utf-16"), "utf-16"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, raw: bytes, encoding: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(raw)
    corpus = load_corpus([path])
    assert corpus.text.rstrip("\n") == TEXT.rstrip("\n")
    assert corpus.files[0].encoding == encoding
    assert corpus.warnings == []


def test_cp1252_fallback_warns_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes((TEXT + "“quoted” – dash\n").encode("cp1252"))
    corpus = load_corpus([path])
    assert "“quoted” – dash" in corpus.text
    assert corpus.files[0].encoding == "cp1252"
    assert any("legacy.txt" in w and "cp1252" in w for w in corpus.warnings)


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "is empty"), (b"\x00\x01\x02binary\x00" * 50, "binary"), (b"short text", "too short")],
)
def test_bad_files_name_file_and_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=reason) as err:
        load_corpus([path])
    assert "bad.bin" in str(err.value)


def test_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"nowhere\.txt: no such file"):
        load_corpus([tmp_path / "nowhere.txt"])


def test_folders_are_read_recursively_skipping_non_text(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "one.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "sub" / "two.md").write_text(TEXT.upper(), encoding="utf-8")
    (tmp_path / "sub" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 30)
    (tmp_path / ".hidden").write_text("secret", encoding="utf-8")
    corpus = load_corpus([tmp_path])
    assert [Path(f.path).name for f in corpus.files] == ["one.txt", "two.md"]
    assert any("image.png" in w for w in corpus.warnings)
    assert "secret" not in corpus.text


BAD_FILES = {
    "empty": b"",
    "nul": b"\x00\x01\x02binary\x00" * 50,
    "controls": b"\x01\x02\x03\x04text" * 50,
    "short": b"short text",
}


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_the_three_readers_refuse_a_named_file_in_the_same_words(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    said = []
    for read in (
        lambda: load_corpus([path]),
        lambda: read_corpus((str(path),), "char"),
        lambda: ingest_corpus([path], cache_dir=tmp_path / "cache"),
    ):
        with pytest.raises(CorpusError) as err:
            read()
        said.append(str(err.value))
    if content == BAD_FILES["short"]:
        # The stream counts the line break that ends the joined text: 11 characters, not 10.
        said = [text.split(" (")[0] for text in said]
    assert said[0].startswith((str(path), "bad.txt")) and said == [said[0]] * 3


def test_the_three_readers_skip_a_folders_files_with_the_same_warnings(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    for name, content in BAD_FILES.items():
        if name != "short":
            (tmp_path / f"{name}.bin").write_bytes(content)
    whole = load_corpus([tmp_path]).warnings
    panel = read_corpus((str(tmp_path),), "char")
    ingested = ingest_corpus([tmp_path], cache_dir=tmp_path / ".cache").warnings
    assert panel is not None and len(whole) == 3 and all(w.startswith("skipped ") for w in whole)
    assert list(panel.corpus.warnings) == whole == list(ingested)


def test_ids_are_stored_in_the_smallest_type_that_holds_them() -> None:
    assert compact_dtype(65) == np.uint8 and compact_dtype(300) == np.uint16
    assert compact_dtype(70000) == np.uint32


def test_batches_continue_each_stream_across_chunks() -> None:
    tokens = np.arange(1000, dtype=np.uint16)
    batcher = StreamBatcher(tokens, batch_size=4, seq_len=10)
    x0, y0, first = batcher.chunk(0)
    x1, _, _ = batcher.chunk(1)
    assert first and x0.shape == (4, 10)
    assert (y0[:, :-1] == x0[:, 1:]).all()
    assert (x1[:, 0] == x0[:, -1] + 1).all()  # row b of chunk 1 picks up where chunk 0 stopped
    assert len(set(x0[:, 0].tolist())) == 4  # rows are different parts of the text
    _, _, wrapped = batcher.chunk(batcher.chunks_per_epoch)
    assert wrapped
