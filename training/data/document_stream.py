"""The streamed corpus text cut into documents, a long one handed on as a stream of its pieces.

``stream_documents`` cuts the pieces of ``training.data.text_stream`` where
``training.data.documents.split_documents`` cuts the whole text: at every line break
("lines"), at a separator ("separator:TEXT"), or where one file's text ends and the next
one's begins ("files"). Each document loses its leading and trailing line breaks, and one of
only white space is dropped, as there. A document that ends within ``LONG_DOCUMENT``
characters, or inside the piece it starts in, comes as one string (no longer than a piece);
one that goes on past both, as a ``LongDocument``, its text a piece at a time while the
corpus is still being read:

    pieces:     |the cat.\\nA hen| and a very long line ...|...... \\nowl|
    splits:     ["the cat.", "A hen"]  [" and a very ..."]  ["......", "owl"]
    documents:  "the cat."   LongDocument("A hen", " and a very ...", "......")   "owl"

so no document is held whole: a line of a gigabyte costs a few of the stream's pieces, not
a gigabyte (it peaked at 9.5 GB when each document was joined into one string). Held
whole still: a document's leading white space other than line breaks, until its first
other character (``text_stream`` holds a file's the same way).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeAlias

from training.data.documents import DocumentMode
from training.data.text_stream import StreamReport

# Longer than this (64 K characters), a document is streamed, not joined into one string;
# shorter ones are batched by the encoder, for which joining them costs nothing.
LONG_DOCUMENT = 1 << 16
_NEWLINES_AT_ONCE = 1 << 20  # a run of held-back line breaks is given back in strings this long


class LongDocument:
    """A document's text as pieces, read once and in order. The documents after it come from
    the same stream, so it is read to its end (or ``skip``ped) before the next is asked for."""

    def __init__(self, pieces: Iterator[str]) -> None:
        self._pieces = pieces

    def __iter__(self) -> Iterator[str]:
        return self._pieces

    def skip(self) -> None:
        """Read what is left of it, unused: the stream goes on after it."""
        for _ in self._pieces:
            pass


Document: TypeAlias = str | LongDocument


def stream_documents(pieces: Iterable[str], report: StreamReport, mode: DocumentMode) -> Iterator[Document]:
    """The documents of the streamed text, without empty ones and without their surrounding
    line breaks, as ``split_documents`` cuts the whole text."""
    if mode.kind == "files":
        splits = _file_splits(pieces, report)
    else:
        splits = _separator_splits(pieces, "\n" if mode.kind == "lines" else mode.separator)
    return _documents(splits)


# A piece's text cut at the document boundaries it holds: the first part goes on with the
# document before it, each further part starts a document.
Split: TypeAlias = list[str]


def _separator_splits(pieces: Iterable[str], separator: str) -> Iterator[Split]:
    """Each piece split at the separator. Its last len(separator) - 1 characters wait for the
    next piece, since a separator may begin there: the cuts are those of ``str.split`` on the
    whole text, which takes the leftmost separator first."""
    keep = len(separator) - 1
    tail = ""
    for piece in pieces:
        parts = (tail + piece).split(separator)
        last = parts[-1]
        cut = max(0, len(last) - keep)
        parts[-1], tail = last[:cut], last[cut:]
        yield parts
    if tail:
        yield [tail]


def _file_splits(pieces: Iterable[str], report: StreamReport) -> Iterator[Split]:
    files_seen = len(report.files)
    for piece in pieces:
        if len(report.files) > files_seen:
            # A file ended before this piece: it starts with the blank line that joins files.
            files_seen = len(report.files)
            yield ["", piece[2:]]
        else:
            yield [piece]


class _Trimmed:
    """One document's text without its leading and trailing line breaks, fed a part at a time:
    the line breaks at the end of a part wait, as a count, until more text follows them."""

    def __init__(self) -> None:
        self.started = False  # a character other than a line break has been fed
        self.newlines = 0  # line breaks held back
        self.content = False  # a character other than white space has been fed: the document is kept

    def feed(self, text: str, out: list[str]) -> None:
        if not self.started:
            text = text.lstrip("\n")
            if not text:
                return
            self.started = True
        body = text.rstrip("\n")
        if body:
            while self.newlines:
                count = min(self.newlines, _NEWLINES_AT_ONCE)
                out.append("\n" * count)
                self.newlines -= count
            self.content = self.content or not body.isspace()
            out.append(body)
        self.newlines += len(text) - len(body)


class _Current:
    """The document being cut: its text held until it is known to be long (or to end)."""

    def __init__(self) -> None:
        self.trimmed = _Trimmed()
        self.held: list[str] = []
        self.size = 0  # characters held

    def add(self, text: str) -> None:
        before = len(self.held)
        self.trimmed.feed(text, self.held)
        self.size += sum(len(part) for part in islice(self.held, before, None))

    def is_long(self) -> bool:
        # One of only white space so far is held on: it may yet be dropped.
        return self.size >= LONG_DOCUMENT and self.trimmed.content

    def text(self) -> str | None:
        """The whole document, or None when it is dropped."""
        return "".join(self.held) if self.trimmed.content else None

    def rest(self, splits: Iterator[Split], after: list[Split]) -> Iterator[str]:
        """What is held, then the document's text from the following splits, up to its end;
        the split it ends in goes into ``after``."""
        held, self.held = self.held, []
        held.reverse()  # given back from the end of the list: each piece freed once read
        while held:
            yield held.pop()
        out: list[str] = []
        for parts in splits:
            self.trimmed.feed(parts[0], out)
            yield from out
            out.clear()
            if len(parts) > 1:
                after.append(parts)
                return


def _documents(splits: Iterator[Split]) -> Iterator[Document]:
    current = _Current()
    resumed: Split | None = None  # the split a long document ended in: its parts after the first
    while True:
        if resumed is None:
            parts = next(splits, None)
            if parts is None:
                break
            current.add(parts[0])
            if len(parts) > 1:
                if (text := current.text()) is not None:
                    yield text
                current = _Current()
        else:
            parts, resumed = resumed, None
        if len(parts) > 1:
            # Documents wholly inside one piece: already strings, no longer than the piece.
            for part in islice(parts, 1, len(parts) - 1):
                if part.strip():
                    yield part.strip("\n")
            current.add(parts[-1])
        if current.is_long():
            after: list[Split] = []
            document = LongDocument(current.rest(splits, after))
            yield document
            document.skip()
            current = _Current()
            resumed = after[0] if after else None
    if (text := current.text()) is not None:
        yield text
