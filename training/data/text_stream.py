"""Corpus files as a stream of text pieces: the rules of ``training.data.corpus`` without one
giant string.

Two passes over the bytes, each a chunk at a time. ``scan_file`` hashes a file's
bytes (the cache key), settles its encoding (a BOM decides; otherwise the whole
file must be valid UTF-8, else cp1252, else latin-1) and rejects binary or empty
files. ``stream_text`` then decodes with that encoding and yields the text that
``load_corpus`` would build, piece by piece: line ends become "\\n" (a "\\r" at the
end of a chunk waits for the next one), each file loses its leading and trailing
newlines, and files are joined with a blank line.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from training.data import corpus_messages as say
from training.data.corpus import (
    SNIFF_BYTES,
    CorpusError,
    SourceFile,
    detect_encoding,
    encoding_name,
    head_looks_binary,
    named_read_errors,
)

CHUNK_BYTES = 4 << 20  # per read: large enough to amortise Python's per-chunk cost, small for memory
JOIN_CHARS = 1 << 16  # small files' pieces joined to this: one encode_batch item, a sampler's unit
# UTF-16 and UTF-32 hold NUL bytes in ordinary text; in any other encoding a NUL means binary data.
_NUL_IN_TEXT = ("utf-16", "utf-32")
Progress = Callable[[int], None]  # bytes just read


class ScannedFile(NamedTuple):
    """One file's scan (a tuple: a warm start on 50,000 files makes 50,000 of them)."""

    path: str
    size_bytes: int
    digest: str  # sha256 of the bytes
    codec: str  # what Python decodes it with
    encoding: str  # what the person is told
    warning: str | None


def _open(path: str | Path) -> BinaryIO:
    """The file unbuffered: each read is one system call, and a folder's small files each
    save the buffer's set-up and two calls of its own (0.42 s against 0.34 s a pass over
    50,000 files). Reads may come back short; every reader loops until an empty one."""
    return open(path, "rb", buffering=0)


def _read_chunks(path: str | Path, chunk_bytes: int) -> Iterator[bytes]:
    with named_read_errors(path), _open(path) as handle:
        while chunk := handle.read(chunk_bytes):
            yield chunk


def _valid(path: str | Path, codec: str, chunk_bytes: int) -> bool:
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        for chunk in _read_chunks(path, chunk_bytes):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def scan_file(
    path: str | Path, *, chunk_bytes: int = CHUNK_BYTES, on_bytes: Progress | None = None
) -> ScannedFile:
    """Hash and check one file; raises CorpusError naming it when it is not usable text.

    A folder of 50,000 small files pays this once a file, so each file is one open and a
    read or two, and nothing per character runs in Python."""
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    head, declared, utf8_ok, content, nul, size = b"", None, True, False, False, 0
    with named_read_errors(path), _open(path) as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
            size += len(chunk)
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
                declared = detect_encoding(head)
            content = content or bool(chunk.strip())
            # The whole file, not its start: text with a binary tail would feed the model NULs.
            nul = nul or b"\x00" in chunk
            # ASCII is UTF-8, unless it follows the first bytes of a character the last chunk cut.
            ascii_only = chunk.isascii() and not utf8.getstate()[0]
            if utf8_ok and declared is None and not ascii_only:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            if on_bytes is not None:
                on_bytes(len(chunk))
    if not content:
        raise CorpusError(say.empty(path))
    warning = None
    if declared is not None:
        codec = declared
        if not _valid(path, codec, chunk_bytes):
            raise CorpusError(say.bom_mismatch(path, declared))
        if nul and codec not in _NUL_IN_TEXT:
            raise CorpusError(say.binary_nul(path))
    elif nul:
        raise CorpusError(say.binary_nul(path))
    else:
        try:
            utf8_ok = utf8_ok and utf8.decode(b"", final=True) == ""
        except UnicodeDecodeError:
            utf8_ok = False
        codec = "utf-8" if utf8_ok else ("cp1252" if _valid(path, "cp1252", chunk_bytes) else "latin-1")
        if codec != "utf-8":
            warning = say.not_utf8(path, codec)
    if head_looks_binary(head, codec):
        raise CorpusError(say.binary_controls(path))
    return ScannedFile(str(path), size, digest.hexdigest(), codec, encoding_name(codec), warning)


class _FileText:
    """One file's decoded pieces with its leading and trailing newlines held back."""

    def __init__(self) -> None:
        self.cr = ""  # a "\r" that may be the first half of "\r\n"
        self.pending = ""  # white space not yet known to be followed by text
        self.started = False  # a non-space character has been seen

    def feed(self, text: str, final: bool = False) -> str:
        text = self.cr + text
        self.cr = ""
        if text.endswith("\r") and not final:
            text, self.cr = text[:-1], "\r"
        text = self.pending + text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            if final and self.started:  # spaces or tabs ending the file stay, as read whole
                self.pending = ""
                return text.rstrip("\n")
            self.pending = text
            return ""
        if not self.started:
            text, self.started = text.lstrip("\n"), True
        body = text.rstrip("\n")
        self.pending = text[len(body) :]
        return body


@dataclass
class StreamReport:
    """What a stream found, complete once it has been read to its end."""

    files: list[SourceFile]
    warnings: list[str]
    chars: int = 0


def stream_text(
    scanned: Sequence[tuple[ScannedFile, bool]],
    report: StreamReport,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    on_bytes: Progress | None = None,
    file_starts: list[int] | None = None,
) -> Iterator[str]:
    """The corpus text, piece by piece, exactly as ``load_corpus`` joins it.

    ``scanned`` pairs each file with whether it was named directly: a folder's file that
    turns out to hold only white space is skipped with a warning, a named one raises.
    ``file_starts``, when given, gets the character offset where each file after the first
    begins (its blank line before it), appended just before the piece that holds it."""
    first = True  # no file has given text yet: the next one needs no blank line before it
    for info, explicit in scanned:
        chars = 0
        for piece in _file_text(info.path, info.codec, chunk_bytes, on_bytes):
            joiner = "\n\n" if chars == 0 and not first else ""
            if joiner and file_starts is not None:
                file_starts.append(report.chars)
            first = False
            chars += len(piece)
            report.chars += len(joiner) + len(piece)
            yield joiner + piece
        if chars == 0:
            message = say.only_white_space(info.path)
            if explicit:
                raise CorpusError(message)
            report.warnings.append(say.skipped(message))
            continue
        if info.warning:
            report.warnings.append(info.warning)
        report.files.append(SourceFile(info.path, info.encoding, chars, info.size_bytes))
    if not first:
        report.chars += 1
        yield "\n"


def _file_text(path: str, codec: str, chunk_bytes: int, on_bytes: Progress | None) -> Iterator[str]:
    """One file's text without its leading and trailing line breaks, a piece per chunk read
    (none when it holds only white space). A file read whole by its first read is decoded at
    once: in a folder of small files the incremental decoder cost more than the decoding."""
    with named_read_errors(path), _open(path) as handle:
        first = handle.read(chunk_bytes)
        after = handle.read(chunk_bytes) if first else b""
        if not after:
            if on_bytes is not None:
                on_bytes(len(first))
            text = first.decode(codec).replace("\r\n", "\n").replace("\r", "\n")
            if text.strip():
                yield text.strip("\n")
            return
        decoder = codecs.getincrementaldecoder(codec)()
        state = _FileText()
        for chunk in _chunks_from(handle, chunk_bytes, first, after):
            if on_bytes is not None:
                on_bytes(len(chunk))
            if piece := state.feed(decoder.decode(chunk)):
                yield piece
        if piece := state.feed(decoder.decode(b"", final=True), final=True):
            yield piece


def _chunks_from(handle: BinaryIO, chunk_bytes: int, *read: bytes) -> Iterator[bytes]:
    """The chunks already ``read``, then the rest of the file."""
    yield from read
    while chunk := handle.read(chunk_bytes):
        yield chunk


def joined(pieces: Iterable[str], chars: int = JOIN_CHARS) -> Iterator[str]:
    """The same text in pieces of at least ``chars`` (but the last): a folder of small files
    streams a piece a file, and each piece costs the tokeniser a few numpy calls."""
    held: list[str] = []
    size = 0
    for piece in pieces:
        held.append(piece)
        size += len(piece)
        if size >= chars:
            yield "".join(held)
            held, size = [], 0
    if held:
        yield "".join(held)
