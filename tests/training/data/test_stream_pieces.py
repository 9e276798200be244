"""The streamed text is the joined text whatever the chunk size: a file's last chunk of only
spaces and tabs is kept, a small file read at once gives what a large one read in chunks
gives, joined pieces hold the same text, and the binary check on bytes agrees with the one
on decoded text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from training.data.corpus import head_looks_binary, load_corpus, looks_binary
from training.data.text_stream import StreamReport, joined, scan_file, stream_text


def _streamed(paths: list[Path], chunk_bytes: int) -> str:
    scanned = [(scan_file(p), False) for p in paths]
    return "".join(stream_text(scanned, StreamReport([], []), chunk_bytes=chunk_bytes))


@pytest.mark.parametrize("tail", ["  \t", "\n  \t", " \n\t \n", "\t\n\n"])
def test_a_last_chunk_of_only_spaces_and_tabs_is_kept(tmp_path: Path, tail: str) -> None:
    body = "hello world\n" * 100
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_bytes((body + tail).encode())
    second.write_bytes(body.encode())
    expected = load_corpus([first, second]).text
    for chunk_bytes in (len(body), len(body) + 1, 64, 1 << 20):  # the tail alone in the last chunk, and not
        assert _streamed([first, second], chunk_bytes) == expected, chunk_bytes


@pytest.mark.parametrize(
    "text", ["\r\n\r\nline one\r\nline two\r\n\r\n", "\n\n  indented\n\n", "a\rb\rc\r", "é\r\nü  \t"]
)
def test_a_file_read_at_once_gives_what_it_gives_in_chunks(tmp_path: Path, text: str) -> None:
    paths = [tmp_path / "one.txt", tmp_path / "two.txt"]
    paths[0].write_bytes(("x" * 50 + "\n").encode())
    paths[1].write_bytes(text.encode())
    scanned = [(scan_file(p), False) for p in paths]
    whole = list(stream_text(scanned, StreamReport([], []), chunk_bytes=1 << 20))
    for chunk_bytes in (1, 2, 3, 7):
        report = StreamReport([], [])
        assert "".join(stream_text(scanned, report, chunk_bytes=chunk_bytes)) == "".join(whole)


def test_joined_pieces_hold_the_same_text() -> None:
    pieces = [f"piece {i}\n" * (i % 7) for i in range(500)]
    out = list(joined(iter(pieces), chars=100))
    assert "".join(out) == "".join(pieces)
    assert all(len(p) >= 100 for p in out[:-1])


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-32"])
def test_the_binary_check_on_bytes_agrees_with_the_one_on_text(codec: str) -> None:
    rng = random.Random(codec)
    wide = codec not in ("cp1252", "latin-1")
    alphabet = "abc é€\n\t\x00\x01\x02\x1b\x7f" if wide else "abc é\n\t\x00\x01\x1b"
    for _ in range(300):
        length = rng.choice([0, 1, 5, 40, 400])
        text = "".join(rng.choice(alphabet) for _ in range(length))
        head = text.encode(codec)[: rng.choice([8192, 7, 33])]
        if codec == "cp1252":
            head = head + bytes([rng.choice([0x81, 0x8D, 0x41])])  # bytes cp1252 leaves undefined
        expected = looks_binary(head.decode(codec, errors="ignore"))
        assert head_looks_binary(head, codec) == expected, (codec, head)
