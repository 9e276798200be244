"""Files and folders in, one clean text out, with every problem named by file.

Encodings: a BOM decides (UTF-8, UTF-16, UTF-32); without one, UTF-8 is tried,
then cp1252, then latin-1 (which never fails); the fallbacks come with a warning
naming the file. Line endings become "\n". Files are joined with a blank line.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

MIN_CHARS = 1000  # below this a model has nothing to learn from
_SNIFF_BYTES = 8192
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class CorpusError(ValueError):
    """A problem with the input that the person can fix; the message names the file."""


@contextmanager
def named_read_errors(path: Path) -> Iterator[None]:
    """A file that cannot be opened or read, as a CorpusError that names it and says why."""
    try:
        yield
    except FileNotFoundError as err:
        raise CorpusError(f"{path}: no such file") from err
    except IsADirectoryError as err:
        raise CorpusError(f"{path}: is a folder, not a file") from err
    except OSError as err:
        raise CorpusError(f"{path}: cannot be read ({err.strerror or err})") from err


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
    names = ", ".join(Path(f.path).name for f in files[:3])
    more = f" and {len(files) - 3} more" if len(files) > 3 else ""
    return f"{names}{more} ({chars:,} characters)"


def detect_encoding(raw: bytes) -> str | None:
    """The encoding a BOM declares, or None."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    return None


def decode_bytes(raw: bytes, name: str) -> tuple[str, str, str | None]:
    """(text, encoding, warning or None). Raises CorpusError for binary data."""
    declared = detect_encoding(raw)
    if declared:
        try:
            return raw.decode(declared), declared.replace("-sig", " with BOM"), None
        except UnicodeDecodeError as err:
            raise CorpusError(
                f"{name}: starts with a {declared} mark but is not valid {declared} ({err.reason})"
            ) from err
    if b"\x00" in raw[:_SNIFF_BYTES]:
        raise CorpusError(f"{name}: looks like a binary file (it contains NUL bytes), not text")
    try:
        return raw.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    for fallback in ("cp1252", "latin-1"):
        try:
            text = raw.decode(fallback)
        except UnicodeDecodeError:
            continue
        return text, fallback, f"{name}: not valid UTF-8, read as {fallback}"
    raise AssertionError("latin-1 decodes any bytes")


def _looks_binary(text: str) -> bool:
    sample = text[:_SNIFF_BYTES]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    return bool(sample) and controls / len(sample) > 0.05


def read_text_file(path: str | Path) -> tuple[str, str, str | None]:
    """Read one file as text: (text, encoding, warning or None)."""
    path = Path(path)
    with named_read_errors(path):
        raw = path.read_bytes()
    if not raw.strip():
        raise CorpusError(f"{path}: is empty")
    text, encoding, warning = decode_bytes(raw, str(path))
    if _looks_binary(text):
        raise CorpusError(f"{path}: looks like a binary file (mostly control characters), not text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusError(f"{path}: holds only white space")
    return text, encoding, warning


def _expand(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """(file, named explicitly) for every file, folders walked recursively in sorted order."""
    found: list[tuple[Path, bool]] = []
    for p in map(Path, paths):
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(p).parts)
                if child.is_file() and not hidden:
                    found.append((child, False))
        elif p.exists():
            found.append((p, True))
        else:
            raise CorpusError(f"{p}: no such file or folder")
    return found


def load_corpus(paths: Sequence[str | Path], *, min_chars: int = MIN_CHARS) -> Corpus:
    """Read files and folders into one Corpus.

    A file named directly must be good text or this raises. Inside a folder, files
    that are not text (images, archives) are skipped with a warning.
    """
    if not paths:
        raise CorpusError("no corpus given: name at least one text file or folder")
    texts: list[str] = []
    files: list[SourceFile] = []
    warnings: list[str] = []
    for path, explicit in _expand(paths):
        try:
            text, encoding, warning = read_text_file(path)
        except CorpusError as err:
            if explicit:
                raise
            warnings.append(f"skipped {err}")
            continue
        if warning:
            warnings.append(warning)
        texts.append(text)
        files.append(SourceFile(str(path), encoding, len(text), path.stat().st_size))
    if not files:
        raise CorpusError(f"{', '.join(map(str, paths))}: holds no readable text files")
    # One file is kept as it is, so its counts are what `wc -m` and a set of its text say;
    # several are joined with a blank line between them.
    text = texts[0] if len(texts) == 1 else "\n\n".join(t.strip("\n") for t in texts) + "\n"
    if len(text) < min_chars:
        names = ", ".join(Path(f.path).name for f in files)
        raise CorpusError(
            f"{names}: too short to learn from ({len(text):,} characters; at least {min_chars:,} needed)"
        )
    return Corpus(text, files, warnings)
