"""The end of a corpus, read in bounded memory: what the window's measurements score.

A run is validated on text it never trained on; the measurements of the Explain and Gates
pages score the model on the end of its corpus in the same spirit. A corpus of gigabytes
is streamed (``text_stream``) and only its last ``most_chars`` characters are kept.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from pathlib import Path

from training.data import corpus_messages as say
from training.data.corpus import CorpusError, expand_paths, readable_files
from training.data.text_stream import StreamReport, scan_file, stream_text

END_CHARS = 1_000_000  # far more than any measurement scores; a few MB of memory


def read_end(paths: Sequence[str | Path], *, share: float, most_chars: int = END_CHARS) -> str:
    """The last ``share`` of the corpus's text, but at most its last ``most_chars`` characters."""
    warnings: list[str] = []
    scanned = list(readable_files(expand_paths(paths), scan_file, warnings))
    if not scanned:
        raise CorpusError(say.no_readable_files(paths))
    kept: deque[str] = deque()
    held = total = 0
    for piece in stream_text(scanned, StreamReport([], warnings)):
        kept.append(piece)
        held += len(piece)
        total += len(piece)
        while held - len(kept[0]) >= most_chars:
            held -= len(kept.popleft())
    text = "".join(kept)
    wanted = total - int(total * (1 - share))  # as text[int(len(text) * (1 - share)):] would cut
    return text[len(text) - min(wanted, most_chars, len(text)) :]
