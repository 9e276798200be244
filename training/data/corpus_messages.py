"""Every sentence a person reads about why a corpus, or one of its files, is refused.

Three readers apply the same rules (``corpus.load_corpus`` on the whole text,
``text_stream`` a chunk at a time, ``corpus_stats`` for the corpus panel) and the
token cache's ingestion checks the result; they raise these texts as CorpusError or
keep them as warnings, so a file is refused in the same words wherever it is read.
A refusal starts with what it is about (the file, the paths given), then says why.
The token cache's notes about an entry it rebuilt are here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

NO_CORPUS = "no corpus given: name at least one text file or folder"


def no_such_path(path: Path) -> str:
    return f"{path}: no such file or folder"


def no_such_file(path: str | Path) -> str:
    return f"{path}: no such file"


def is_a_folder(path: str | Path) -> str:
    return f"{path}: is a folder, not a file"


def unreadable(path: str | Path, err: OSError) -> str:
    return f"{path}: cannot be read ({err.strerror or err})"


def not_a_regular_file(path: Path, kind: str) -> str:
    """A corpus path named directly that is a pipe, socket or device (``kind``: "a named
    pipe"). A pipe's text can be saved to a file: the corpus is read more than once."""
    hint = " (save the piped text to a file first)" if "pipe" in kind else ""
    return f"{path}: is {kind}, not a text file; name a regular file or a folder{hint}"


def skipped(reason: Exception | str) -> str:
    """A folder's file left out; a file named directly raises ``reason`` instead."""
    return f"skipped {reason}"


def empty(path: str | Path) -> str:
    return f"{path}: is empty"


def only_white_space(path: str | Path) -> str:
    return f"{path}: holds only white space"


def binary_nul(path: str | Path) -> str:
    return f"{path}: looks like a binary file (it contains NUL bytes), not text"


def binary_controls(path: str | Path) -> str:
    return f"{path}: looks like a binary file (mostly control characters), not text"


def bom_mismatch(path: str | Path, declared: str, reason: str | None = None) -> str:
    """A file whose byte-order mark promises an encoding its bytes break; ``reason`` is the
    decoder's, when the whole file was decoded at once."""
    because = f" ({reason})" if reason else ""
    return f"{path}: starts with a {declared} mark but is not valid {declared}{because}"


def not_utf8(path: str | Path, codec: str) -> str:
    return f"{path}: not valid UTF-8, read as {codec}"


def no_readable_files(paths: Sequence[str | Path] | None = None) -> str:
    """Nothing usable among ``paths``; without them (the stream's own check), "the corpus"."""
    if paths is None:
        return "the corpus holds no readable text files"
    return f"{', '.join(map(str, paths))}: holds no readable text files"


def file_names(paths: Sequence[str | Path], most: int = 5) -> str:
    """The files' names without their folders, ``most`` of them: "a.txt, b.txt and 3 more"
    (a folder of thousands would otherwise fill the screen with one message)."""
    names = ", ".join(Path(p).name for p in paths[:most])
    return names + (f" and {len(paths) - most:,} more" if len(paths) > most else "")


def too_short(paths: Sequence[str | Path], chars: int, min_chars: int) -> str:
    """The files kept (``paths``), named without their folders, and their joined length."""
    return (
        f"{file_names(paths)}: too short to learn from ({chars:,} characters; at least {min_chars:,} needed)"
    )


def too_few_documents(where: str, mode: str, count: int, minimum: int) -> str:
    """``where`` names the corpus; ``mode`` is the way it was cut, as ``DocumentMode.describe``
    writes it."""
    return f"{where}: splitting by {mode} gives {count} document(s); at least {minimum} needed"


def duplicate_files(paths: Sequence[str | Path]) -> str:
    """Files with the same bytes as an earlier one: kept once, so no copy lands on both sides
    of the held-out split."""
    count = len(paths)
    files = f"{count} duplicate file{'s' if count != 1 else ''}"
    return f"left out {files} (the same bytes as another): {file_names(paths)}"


def duplicate_documents(count: int) -> str:
    return (
        f"left out {count:,} duplicate document{'s' if count != 1 else ''} (the same text as an earlier one)"
    )


# Why the token cache deleted an entry it found (``token_cache.open_checked``).
CacheDamage = Literal["damaged", "another corpus", "unchecked"]
_CACHE_DAMAGE: dict[CacheDamage, str] = {
    "damaged": "was damaged",
    "another corpus": "held another text's tokens",
    "unchecked": "was made by an older version, without a checksum",
}


def cache_rebuilt(damage: CacheDamage) -> str:
    return f"the token cache's copy of this corpus {_CACHE_DAMAGE[damage]}; it was rebuilt"


def held_files_note(held: Sequence[int], files: Sequence[str]) -> str:
    """'validation holds out 3 of 31 files whole, never trained on: GPL-1, MPL-1.1, Zlib'."""
    shown = file_names([files[i] for i in held if i < len(files)], most=3)
    return f"validation holds out {len(held):,} of {len(files):,} files whole, never trained on: {shown}"


def corpus_missing(run_dir: str | Path, missing: Sequence[str | Path]) -> str:
    """A run to resume whose recorded corpus files are gone (moved, or the checkpoint copied to
    another machine), named where the run read them, and how to name the corpus again."""
    shown = ", ".join(map(str, missing[:3]))
    if len(missing) > 3:
        shown += f" and {len(missing) - 3:,} more"
    gone = f"file {shown} is" if len(missing) == 1 else f"files {shown} are"
    return (
        f"cannot resume {run_dir}: its corpus {gone} missing; name the corpus again (CLI: lstm-studio "
        f"train PATH... --out {run_dir} --resume), and the run checks that it is the same text"
    )
