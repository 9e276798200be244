"""Two character counts of one corpus, each labelled with what it counts.

The corpus panel counts the files' own characters (``training.data.corpus_stats``); a
run's metadata keeps the length of the text it trained on (``CorpusInfo.chars``, from
``training.data.text_stream``). Both read a Windows line end (CR LF) as one "\\n", so a
CRLF file counts one fewer per line than ``wc -m``. The run's text also loses each file's
leading and trailing blank lines, joins the files with a blank line and ends with a line
break, so a folder of several files counts a little differently there. Each number says
which it is, so the two are never read as one figure that disagrees with itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from training.data.corpus_messages import file_names

FILES_WORDING = "line ends counted as one"
TRAINED_WORDING = "as trained: line ends counted as one"
JOINED_WORDING = "as trained: files joined by a blank line, line ends counted as one"

FILES_TIP = (
    "The files' own characters. A Windows line end (CR LF) is read as one line break, as the "
    "model reads it, so wc -m counts one more per line of such a file. A run's model card counts "
    "the text it trained on: each file without its leading and trailing blank lines, the files "
    "joined by a blank line."
)


def files_count(chars: int) -> str:
    """The corpus panel's Characters row: "363,638 (line ends counted as one)"."""
    return f"{chars:,} ({FILES_WORDING})"


def corpus_line(paths: Sequence[str | Path], chars: int) -> str:
    """A corpus in one line (the status bar): its files by name, then their count, labelled."""
    return f"{file_names(list(paths), most=3)} ({chars:,} characters, {FILES_WORDING})"


def trained_count(chars: int | None, files: int) -> str | None:
    """The model card's count of the text a run trained on (from ``files`` files); None for
    runs that kept none."""
    if chars is None:
        return None
    return f"{chars:,} ({JOINED_WORDING if files > 1 else TRAINED_WORDING})"


def corpus_title(paths: Sequence[str | Path]) -> str:
    """A corpus as the window's title names it: "hamlet.txt", "texts", "a.txt and 2 more"."""
    return file_names(list(paths), most=1)
