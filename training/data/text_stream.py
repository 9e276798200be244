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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from training.data import corpus_messages as say
from training.data.corpus import (
    SNIFF_BYTES,
    CorpusError,
    SourceFile,
    detect_encoding,
    encoding_name,
    looks_binary,
    named_read_errors,
)

CHUNK_BYTES = 4 << 20  # per read: large enough to amortise Python's per-chunk cost, small for memory
# UTF-16 and UTF-32 hold NUL bytes in ordinary text; in any other encoding a NUL means binary data.
_NUL_IN_TEXT = ("utf-16", "utf-32")
Progress = Callable[[int], None]  # bytes just read


@dataclass(frozen=True)
class ScannedFile:
    path: str
    size_bytes: int
    digest: str  # sha256 of the bytes
    codec: str  # what Python decodes it with
    encoding: str  # what the person is told
    warning: str | None


def _read_chunks(path: Path, chunk_bytes: int) -> Iterator[bytes]:
    with named_read_errors(path), path.open("rb") as handle:
        while chunk := handle.read(chunk_bytes):
            yield chunk


def _valid(path: Path, codec: str, chunk_bytes: int) -> bool:
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        for chunk in _read_chunks(path, chunk_bytes):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def scan_file(path: Path, *, chunk_bytes: int = CHUNK_BYTES, on_bytes: Progress | None = None) -> ScannedFile:
    """Hash and check one file; raises CorpusError naming it when it is not usable text."""
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    head, declared, utf8_ok, content, nul = b"", None, True, False, False
    for chunk in _read_chunks(path, chunk_bytes):
        digest.update(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
            declared = detect_encoding(head)
        content = content or bool(chunk.strip())
        # The whole file, not its start: text with a binary tail would feed the model NULs.
        nul = nul or b"\x00" in chunk
        if utf8_ok and declared is None:
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
    if looks_binary(head.decode(codec, errors="ignore")):
        raise CorpusError(say.binary_controls(path))
    return ScannedFile(
        str(path), path.stat().st_size, digest.hexdigest(), codec, encoding_name(codec), warning
    )


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
        path = Path(info.path)
        decoder = codecs.getincrementaldecoder(info.codec)()
        state = _FileText()
        chars = 0
        chunks = _read_chunks(path, chunk_bytes)
        for chunk in _with_end(chunks):
            if chunk is None:
                piece = state.feed(decoder.decode(b"", final=True), final=True)
            else:
                piece = state.feed(decoder.decode(chunk))
                if on_bytes is not None:
                    on_bytes(len(chunk))
            if not piece:
                continue
            joiner = "\n\n" if chars == 0 and not first else ""
            if joiner and file_starts is not None:
                file_starts.append(report.chars)
            first = False
            chars += len(piece)
            report.chars += len(joiner) + len(piece)
            yield joiner + piece
        if chars == 0:
            message = say.only_white_space(path)
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


def _with_end(chunks: Iterator[bytes]) -> Iterator[bytes | None]:
    """The chunks, then None: the moment to flush what the decoder holds."""
    yield from chunks
    yield None
