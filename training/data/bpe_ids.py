"""Byte-level BPE ids for big corpora: each distinct piece of the text is encoded once.

The BPE tokenizer cuts text into pieces with GPT-2's regex, then merges each piece's
bytes on its own: a piece's ids never depend on its neighbours. So on ASCII text

    text  --re-->  pieces (the tokenizer's own regex, its classes written out for ASCII)
          --dict-->  each piece's row among the distinct pieces met so far
          --encode_batch-->  the ids of the pieces met for the first time (Rust, every core)
          --numpy-->  the ids of every piece, in order

Measured on 20 MB of Python sources: ``tokenizers`` spent about half its time in its own
regex (1.7 s per 4 MB, one core) and most of the rest encoding pieces it had already met;
a 4 MB block holds about a million pieces but only some 20,000 distinct ones. This way
ran 2.8 to 5.5 times as many tokens a second (median 4.1, three runs side by side on a
shared 2-core machine), with the same ids. Text past
ASCII (where Python's ``re`` and the tokenizer's classes of letters and digits could
disagree) goes to ``tokenizers`` whole, in stretches between safe cuts
(``lstm_core.chunking``), so every id is the one the tokenizer itself gives.
"""

from __future__ import annotations

import json
import re

import numpy as np

from lstm_core.chunking import split_at_cuts
from lstm_core.tokenizers import HFTokenizerAdapter

# GPT-2's pre-tokenizer rule, as ``tokenizers``' ByteLevel writes it:
#   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
# with its classes spelt out for ASCII: \s is tab, LF, VT, FF, CR and space there (Python's
# own \s adds \x1c-\x1f, which the tokenizer's regex engine does not count as space).
_SPACE = "\\t\\n\\x0b\\x0c\\r "
_PIECE = re.compile(
    rf"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^{_SPACE}A-Za-z0-9]+"
    rf"|[{_SPACE}]+(?![^{_SPACE}])|[{_SPACE}]+"
)
_BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True}
# Distinct pieces remembered between blocks; past this the memory starts afresh, so it stays
# bounded (about 100 bytes a piece) on text that keeps bringing new words.
MAX_PIECES = 1 << 18
# Stretches of text past ASCII are cut this short, so that the ASCII around a stray "é"
# still takes the fast way.
_MIXED_CHARS = 1024


def plain_byte_level(tokenizer: HFTokenizerAdapter) -> bool:
    """Whether the tokenizer is the byte-level BPE this module reproduces: its pieces from the
    regex alone (no normaliser, no special tokens matched in the text), merged without dropout,
    and nothing added, cut or padded after (a piece encoded alone gets its ids and no more)."""
    spec = json.loads(tokenizer.hf.to_str())
    pre = spec.get("pre_tokenizer") or {}
    model = spec.get("model") or {}
    post = spec.get("post_processor") or {"type": "ByteLevel"}  # ByteLevel moves offsets only
    return (
        tokenizer.level == "bpe"
        and spec.get("normalizer") is None
        and not spec.get("added_tokens")
        and post.get("type") == "ByteLevel"
        and spec.get("truncation") is None
        and spec.get("padding") is None
        and all(pre.get(key) == value for key, value in _BYTE_LEVEL.items())
        and model.get("type") == "BPE"
        and model.get("dropout") is None
    )


class BpeIds:
    """Exact byte-level BPE ids of text, each distinct ASCII piece encoded once."""

    def __init__(self, tokenizer: HFTokenizerAdapter) -> None:
        self.hf = tokenizer.hf
        self._forget()

    def _forget(self) -> None:
        self._rows: dict[str, int] = {}  # piece -> its row in _starts and _lengths
        self._ids = np.zeros(0, dtype=np.int64)  # every known piece's ids, one after another
        self._starts = np.zeros(0, dtype=np.intp)
        self._lengths = np.zeros(0, dtype=np.intp)

    def encode(self, text: str) -> np.ndarray:
        """The ids of ``text`` as int64, exactly as ``tokenizer.hf.encode(text).ids``."""
        parts = [text] if text.isascii() else _runs(split_at_cuts(text, _MIXED_CHARS))
        # One call into the tokenizer for the new pieces of every ASCII part, one for the rest:
        # each call costs about a millisecond before any text is encoded.
        pieces = [_PIECE.findall(part) if part.isascii() else None for part in parts]
        new = set().union(*(p for p in pieces if p is not None)).difference(self._rows)
        if new and len(self._rows) + len(new) > MAX_PIECES:
            self._forget()
            new = set().union(*(p for p in pieces if p is not None))
        if new:
            self._learn(sorted(new))
        others = [part for part, found in zip(parts, pieces, strict=True) if found is None]
        slow = iter([np.array(e.ids, dtype=np.int64) for e in self.hf.encode_batch(others)] if others else [])
        arrays = [self._lookup(found) if found is not None else next(slow) for found in pieces]
        return np.concatenate(arrays) if len(arrays) > 1 else arrays[0]

    def _lookup(self, pieces: list[str]) -> np.ndarray:
        """The ids of known pieces, in order."""
        if not pieces:
            return np.zeros(0, dtype=np.int64)
        rows = np.fromiter(map(self._rows.__getitem__, pieces), dtype=np.intp, count=len(pieces))
        lengths = self._lengths[rows]
        starts = self._starts[rows]
        if int(lengths.max()) == 1:
            return self._ids[starts]
        # Each piece's ids copied to where its output begins: (P,) pieces -> (sum lengths,) ids
        ends = np.cumsum(lengths)
        shift = np.repeat(starts - (ends - lengths), lengths)
        return self._ids[shift + np.arange(int(ends[-1]))]

    def _learn(self, pieces: list[str]) -> None:
        """Encode pieces met for the first time, each alone: alone, a piece is cut by the regex
        into itself again, so its ids are those it has inside any text."""
        encoded = [e.ids for e in self.hf.encode_batch(pieces)]
        lengths = np.array([len(ids) for ids in encoded], dtype=np.intp)
        starts = len(self._ids) + np.cumsum(lengths) - lengths
        flat = np.fromiter((i for ids in encoded for i in ids), dtype=np.int64, count=int(lengths.sum()))
        first = len(self._rows)
        self._rows.update(zip(pieces, range(first, first + len(pieces)), strict=True))
        self._ids = np.concatenate([self._ids, flat])
        self._starts = np.concatenate([self._starts, starts])
        self._lengths = np.concatenate([self._lengths, lengths])


def _runs(parts: list[str]) -> list[str]:
    """Neighbouring parts joined while they are all ASCII, or all not: a cut between two parts
    is safe, so the joined text is cut only where the whole text could be."""
    runs: list[list[str]] = []
    for part in parts:
        if runs and runs[-1][0].isascii() == part.isascii():
            runs[-1].append(part)
        else:
            runs.append([part])
    return ["".join(run) for run in runs]
