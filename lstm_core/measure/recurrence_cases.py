"""The cases of long-range recall in a text: where a word comes back, where a bracket closes.

Found in the decoded text and mapped back to token positions, so they are the same for a
character, word or BPE model of the same text; ``recurrence`` scores them. A word is a
letter or _ then two or more letters, digits or _ (a name, an identifier); its distance is
the number of tokens from the start of its previous occurrence to its own start, and one
with no occurrence within the window is a "first mention". A closer is a ) ] } whose opener
is k tokens back (the innermost open bracket of its kind), or a closing " whose opening " is
on the same line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from lstm_core.tokenizers import Tokenizer, token_text

WORD = re.compile(r"[^\W\d]\w{2,}")  # a name or an identifier: "self", "licence", "x_max"
PAIRS = {")": "(", "]": "[", "}": "{"}
_MARKS = re.compile(r'[()\[\]{}"\n]')

Kind = Literal["word", "closer"]
KINDS: tuple[Kind, ...] = ("word", "closer")


@dataclass(frozen=True)
class Case:
    kind: Kind
    key: str  # the word, or the closing character
    tokens: tuple[int, ...]  # the token positions scored
    distance: int | None  # tokens back to the previous occurrence or opener; None: a first mention


def distance_bins(window: int) -> list[tuple[int, int]]:
    """(1, 2), (3, 4), (5, 8), ... up to ``window``: log-spaced, each twice the last."""
    bins, low = [], 1
    while low <= window:
        high = min(window, 2 if low == 1 else 2 * (low - 1))
        bins.append((low, high))
        low = high + 1
    return bins


def token_owners(tokenizer: Tokenizer, ids: Sequence[int]) -> tuple[str, np.ndarray]:
    """The decoded text of ids and, for each of its characters, the position of its token."""
    pieces = [token_text(tokenizer, i) or "\ufffd" for i in ids]
    lengths = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
    return "".join(pieces), np.repeat(np.arange(len(pieces)), lengths)


def find_cases(tokenizer: Tokenizer, ids: Sequence[int], *, first: int, window: int) -> list[Case]:
    """Every word and closer case whose tokens all lie at ``first`` or after."""
    text, owner = token_owners(tokenizer, ids)
    unknown = getattr(tokenizer, "unk_id", None)
    has_unknown = np.asarray(ids) == unknown if unknown is not None else np.zeros(len(ids), dtype=bool)
    cases: list[Case] = []
    last_seen: dict[str, int] = {}
    for match in WORD.finditer(text):
        head, tail = int(owner[match.start()]), int(owner[match.end() - 1])
        before = last_seen.get(match.group())
        last_seen[match.group()] = head
        if head < first or head == 0 or has_unknown[head : tail + 1].any():
            continue
        distance = head - before if before is not None and head - before <= window else None
        cases.append(Case("word", match.group(), tuple(range(head, tail + 1)), distance))
    cases += _closer_cases(text, owner, first=first, window=window)
    return cases


def _closer_cases(text: str, owner: np.ndarray, *, first: int, window: int) -> list[Case]:
    cases: list[Case] = []
    openers: list[tuple[str, int]] = []
    quote: int | None = None
    for match in _MARKS.finditer(text):
        ch, at = match.group(), int(owner[match.start()])
        if ch == "\n":
            quote = None
        elif ch == '"':
            if quote is None:
                quote = at
            else:
                cases.append(_closer(ch, at, quote, window))
                quote = None
        elif ch in "([{":
            openers.append((ch, at))
        else:
            while openers and openers[-1][0] != PAIRS[ch]:
                openers.pop()  # an opener never closed: text cut mid-expression, or prose
            if openers:
                cases.append(_closer(ch, at, openers.pop()[1], window))
    return [c for c in cases if c.distance is not None and c.tokens[0] >= first]


def _closer(ch: str, at: int, opener: int, window: int) -> Case:
    distance = at - opener
    return Case("closer", ch, (at,), distance if 1 <= distance <= window else None)
