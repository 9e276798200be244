"""Where a text may be cut so that tokenising the pieces gives the ids of the whole.

The word and BPE tokenizers first cut text into pieces with a regular expression
(``lstm_core.tokenizers``), and a piece never spans a cut made *between a
non-space character and a following space or newline*:

    "the cat.\\n\\n  sat"      safe cuts:  the| cat.|\\n\\n  sat
                                          ^    ^
    word pieces: "the" " cat" "." "\\n" "\\n" " " " " " sat"   (none crosses a cut)
    BPE pieces:  "the" " cat" "." "\\n\\n " " sat"              (none crosses a cut)

Cutting after every newline, the obvious choice, is *not* safe for BPE: its
whitespace rule ``\\s+(?!\\S)`` joins "\\n\\n " into one piece, so "\\n|\\n " would
encode differently. Every piece left of a safe cut ends in a non-space character,
which no piece rule extends into a following space, and matching restarts afresh
at the cut, so both sides tokenise exactly as they do inside the whole text.
"""

from __future__ import annotations

import re

# A non-space character followed by a space or newline: cut between the two.
_BOUNDARY = re.compile(r"\S[ \n]")


def last_cut(text: str) -> int:
    """The position of the last safe cut in ``text``, or 0 when it has none.

    Searches backwards in growing windows, so a long text with a cut near its end costs
    little."""
    window = 1 << 12
    while True:
        start = max(0, len(text) - window)
        last = 0
        for match in _BOUNDARY.finditer(text, start):
            last = match.start() + 1
        if last or start == 0:
            return last
        window *= 16


def split_at_cuts(text: str, size: int) -> list[str]:
    """``text`` in pieces of about ``size`` characters, each ending at a safe cut (the
    last piece ends where the text does). Joined, the pieces are the text."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > size:
        match = _BOUNDARY.search(text, start + size)
        if match is None:
            break
        cut = match.start() + 1
        pieces.append(text[start:cut])
        start = cut
    if start < len(text) or not pieces:
        pieces.append(text[start:])
    return pieces
