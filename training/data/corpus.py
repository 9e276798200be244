"""Files and folders in, one clean text out, with every problem named by file.

Encodings: a BOM decides (UTF-8, UTF-16, UTF-32); without one, UTF-8 is tried,
then cp1252, then latin-1 (which never fails); the fallbacks come with a warning
naming the file. Line endings become "\n". Files are joined with a blank line.

Which files make the corpus (``expand_paths``) and what happens to one that is not text
(``readable_files``) are decided here for every reader: the streaming ones
(``text_stream``, ``corpus_stats``) follow the same two functions, and every message
comes from ``corpus_messages``.
"""

from __future__ import annotations

import codecs
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from training.data import corpus_messages as say
from training.data.folder_walk import ListedFile, named_file, walk_folder

MIN_CHARS = 1000  # below this a model has nothing to learn from
SNIFF_BYTES = 8192  # the start of a file that is searched for signs of binary data
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# Control characters no text holds: more than a twentieth of a file's start marks it binary.
_CONTROLS = "".join(chr(c) for c in range(32) if chr(c) not in "\n\r\t\f\v")
_DROP_CONTROLS = str.maketrans("", "", _CONTROLS)
_CONTROL_BYTES = _CONTROLS.encode("ascii")
_BYTE_CONTROL_CODECS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")


class CorpusError(ValueError):
    """A problem with the input that the person can fix; the message names the file."""


@contextmanager
def named_read_errors(path: str | Path) -> Iterator[None]:
    """A file that cannot be opened or read, as a CorpusError that names it and says why."""
    try:
        yield
    except FileNotFoundError as err:
        raise CorpusError(say.no_such_file(path)) from err
    except IsADirectoryError as err:
        raise CorpusError(say.is_a_folder(path)) from err
    except OSError as err:
        raise CorpusError(say.unreadable(path, err)) from err


@dataclass(frozen=True)
class SourceFile:
    path: str
    encoding: str
    chars: int
    size_bytes: int


@dataclass
class Corpus:
    text: str
    files: list[SourceFile]
    warnings: list[str] = field(default_factory=list)

    @property
    def encodings(self) -> str:
        return encodings_of(self.files)

    @property
    def size_bytes(self) -> int:
        return sum(f.size_bytes for f in self.files)

    def describe(self) -> str:
        return describe_files(self.files, len(self.text))


def encodings_of(files: Sequence[SourceFile]) -> str:
    return ", ".join(sorted({f.encoding for f in files}))


def describe_files(files: Sequence[SourceFile], chars: int) -> str:
    """ "a.txt, b.txt, c.txt and 2 more (12,345 characters)"."""
    return f"{say.file_names([f.path for f in files], most=3)} ({chars:,} characters)"


def detect_encoding(raw: bytes) -> str | None:
    """The encoding a BOM declares, or None."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    return None


def encoding_name(codec: str) -> str:
    """The encoding as the person is told it: "utf-8 with BOM" for Python's "utf-8-sig"."""
    return codec.replace("-sig", " with BOM")


def decode_bytes(raw: bytes, name: str) -> tuple[str, str, str | None]:
    """(text, encoding, warning or None). Raises CorpusError for binary data."""
    declared = detect_encoding(raw)
    if declared:
        try:
            return raw.decode(declared), encoding_name(declared), None
        except UnicodeDecodeError as err:
            raise CorpusError(say.bom_mismatch(name, declared, err.reason)) from err
    if b"\x00" in raw[:SNIFF_BYTES]:
        raise CorpusError(say.binary_nul(name))
    try:
        return raw.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    for fallback in ("cp1252", "latin-1"):
        try:
            text = raw.decode(fallback)
        except UnicodeDecodeError:
            continue
        return text, fallback, say.not_utf8(name, fallback)
    raise AssertionError("latin-1 decodes any bytes")


def looks_binary(text: str) -> bool:
    """Whether the decoded start of a file is mostly control characters (an image, an archive)."""
    sample = text[:SNIFF_BYTES]
    # Counted in C: a loop over the characters in Python cost 56 us a file, most of the time
    # it took to check a folder of 50,000 small files.
    controls = len(sample) - len(sample.translate(_DROP_CONTROLS))
    return bool(sample) and controls / len(sample) > 0.05


def head_looks_binary(head: bytes, codec: str) -> bool:
    """``looks_binary`` of a file's first bytes decoded with ``codec`` (errors ignored). In the
    codecs where a control character is one byte of its own value, and no other character
    holds such a byte, the bytes are counted as they are."""
    if codec not in _BYTE_CONTROL_CODECS:
        return looks_binary(head.decode(codec, errors="ignore"))
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    chars = len(head) if head.isascii() else len(head.decode(codec, errors="ignore"))
    return chars > 0 and controls / chars > 0.05


def read_text_file(path: str | Path) -> tuple[str, str, str | None]:
    """Read one file as text: (text, encoding, warning or None)."""
    path = Path(path)
    with named_read_errors(path):
        raw = path.read_bytes()
    if not raw.strip():
        raise CorpusError(say.empty(path))
    text, encoding, warning = decode_bytes(raw, str(path))
    if looks_binary(text):
        raise CorpusError(say.binary_controls(path))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusError(say.only_white_space(path))
    return text, encoding, warning


def list_files(
    paths: Sequence[str | Path], *, cancelled: Callable[[], bool] | None = None
) -> list[ListedFile]:
    """Every file of the corpus, in reading order, with its stat: the paths as given, each
    folder walked recursively in sorted order without its hidden files (``folder_walk``).
    Raises IngestCancelled when ``cancelled`` says so while a folder is walked."""
    if not paths:
        raise CorpusError(say.NO_CORPUS)
    found: list[ListedFile] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += walk_folder(p, cancelled)
        elif p.exists():
            if (kind := _not_a_file(p)) is not None:
                raise CorpusError(say.not_a_regular_file(p, kind))
            found.append(named_file(p))
        else:
            raise CorpusError(say.no_such_path(p))
    return found


def expand_paths(paths: Sequence[str | Path]) -> list[tuple[Path, bool]]:
    """(file, named directly) for every file of the corpus, in reading order (``list_files``)."""
    return [(Path(f.path), f.named) for f in list_files(paths)]


def _not_a_file(path: Path) -> str | None:
    """What a path named directly is when it is neither a file nor a folder ("a named pipe"),
    or None. Checked before it is opened: opening a named pipe waits for a writer that may
    never come (and Python retries the open through Ctrl+C), a device such as /dev/zero reads
    forever. A folder's pipes and devices are left out by ``folder_walk``."""
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"))
    return next((name for is_kind, name in kinds if is_kind(mode)), "a device")


_Read = TypeVar("_Read")
_File = TypeVar("_File")  # a Path, or whatever else names a file to ``read`` (a ListedFile)


def readable_files(
    found: Iterable[tuple[_File, bool]],
    read: Callable[[_File], _Read],
    warnings: list[str],
    *,
    on_skip: Callable[[_File], None] | None = None,
) -> Iterator[tuple[_Read, bool]]:
    """What ``read`` makes of each file, with whether the file was named directly.

    A file named directly must be good text: ``read``'s CorpusError goes to the caller. A
    folder's file that is not (an image, an archive) is skipped: a warning joins
    ``warnings``, in reading order, and ``on_skip`` hears of it."""
    for path, explicit in found:
        try:
            result = read(path)
        except CorpusError as err:
            if explicit:
                raise
            warnings.append(say.skipped(err))
            if on_skip is not None:
                on_skip(path)
            continue
        yield result, explicit


def _read_source(path: Path) -> tuple[str, SourceFile, str | None]:
    text, encoding, warning = read_text_file(path)
    return text, SourceFile(str(path), encoding, len(text), path.stat().st_size), warning


def load_corpus(paths: Sequence[str | Path], *, min_chars: int = MIN_CHARS) -> Corpus:
    """Read files and folders into one Corpus.

    A file named directly must be good text or this raises. Inside a folder, files
    that are not text (images, archives) are skipped with a warning.
    """
    texts: list[str] = []
    files: list[SourceFile] = []
    warnings: list[str] = []
    for (text, source, warning), _ in readable_files(expand_paths(paths), _read_source, warnings):
        if warning:
            warnings.append(warning)
        texts.append(text)
        files.append(source)
    if not files:
        raise CorpusError(say.no_readable_files(paths))
    # One file is kept as it is, so its counts are what `wc -m` and a set of its text say;
    # several are joined with a blank line between them.
    text = texts[0] if len(texts) == 1 else "\n\n".join(t.strip("\n") for t in texts) + "\n"
    if len(text) < min_chars:
        raise CorpusError(say.too_short([f.path for f in files], len(text), min_chars))
    return Corpus(text, files, warnings)
