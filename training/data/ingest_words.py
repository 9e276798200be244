"""Word-level ids for big corpora, with numpy doing the per-word work.

The word tokenizer cuts text with `` ?\\w+| ?[^\\w\\s]| +|\\r?\\n|\\s`` and looks each piece up
in its vocabulary. On ASCII text both steps run here as array operations on the UTF-8 bytes:

    bytes  ->  class of each byte (word, space, newline, CR, other space, other)
           ->  where pieces start: a table lookup on each byte's class and its two before
           ->  each piece as a key (its first, second and last 8 bytes and its length)
           ->  ids from a hash table of the vocabulary's keys, each match checked whole

A key holds every byte of a piece up to 24 bytes long, so a match is exact; the few
longer pieces (0.2 % of words in source code) are looked up by Python. Text past
ASCII, and text holding a special token such as ``<unk>`` (which Hugging Face matches
whole), goes to ``tokenizers`` in stretches between safe cuts (``lstm_core.chunking``),
so every id is the one the tokenizer itself gives.
"""

from __future__ import annotations

import numpy as np

from lstm_core.tokenizers import HFTokenizerAdapter

# Byte classes; EDGE stands before the first byte.
WORD, SPACE, NEWLINE, CR, OTHER_SPACE, OTHER, NON_ASCII, EDGE = range(8)
_LONG = 24  # the longest piece a key holds whole
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
# Hash table slots: at least 65,536, and at least twice the keys, so that probes stay short
# and an insertion always finds a free slot (a full table of fixed size looped for ever once a
# vocabulary passed 65,536 words).
_MIN_SLOT_BITS = 16


def _class_table() -> np.ndarray:
    table = np.full(256, NON_ASCII, dtype=np.uint8)
    table[:128] = OTHER
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_":
        table[ord(ch)] = WORD
    table[ord(" ")], table[ord("\n")], table[ord("\r")] = SPACE, NEWLINE, CR
    for ch in "\t\x0b\x0c":  # the rest of ASCII white space as the tokenizer's regex sees it
        table[ord(ch)] = OTHER_SPACE
    return table


def _start_table() -> np.ndarray:
    """Whether a piece starts at a byte, indexed by (class two before, one before, own)."""
    table = np.zeros(8 * 8 * 8, dtype=bool)
    for before2 in range(8):
        for before in range(8):
            # A single space before a non-space joins it (" cat", " ."); a run of spaces does not.
            joined = before == SPACE and before2 != SPACE
            for own in range(8):
                start = {
                    SPACE: before != SPACE,
                    WORD: before != WORD and not joined,
                    OTHER: not joined,
                    NON_ASCII: not joined,
                    NEWLINE: before != CR,  # "\r\n" is one piece
                }.get(own, True)
                table[(before2 << 6) | (before << 3) | own] = start
    return table


_CLASSES = _class_table()
_STARTS = _start_table()


def piece_bounds(cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the word pieces of ASCII text, from its byte classes."""
    index = cls.astype(np.uint16)
    index[:1] |= EDGE << 3
    index[1:] |= cls[:-1].astype(np.uint16) << 3
    index[:2] |= EDGE << 6
    index[2:] |= cls[:-2].astype(np.uint16) << 6
    starts = np.flatnonzero(_STARTS[index])
    ends = np.empty_like(starts)
    ends[:-1], ends[-1:] = starts[1:], len(cls)
    return starts, ends


def _uint64_view(data: np.ndarray) -> np.ndarray:
    """Every byte offset of ``data`` read as a little-endian uint64 (zeros past the end), so
    that a piece's bytes are the low bytes of the value at its start."""
    padded = np.zeros(len(data) + 8, dtype=np.uint8)
    padded[: len(data)] = data
    return np.ndarray((len(data) + 1,), dtype="<u8", buffer=padded.data, strides=(1,))


def short_keys(view: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """One uint64 per ASCII piece of at most 8 bytes, exact: its bytes and, in the top byte
    (free below 8 bytes) or the top bit (free in ASCII at 8), its length."""
    return (view[starts] & _MASKS[lengths]) | _LENGTH_MARKS[lengths]


def long_keys(view: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[np.ndarray]:
    """(bytes 0-7, bytes 8-15 or 0, last 8 bytes, length) of pieces of 9 to 24 bytes: exact."""
    lengths = (ends - starts).astype(np.uint64)
    second = np.where(lengths > 16, view[starts + 8], np.uint64(0))
    return [view[starts], second, view[ends - 8], lengths]


_LENGTH_MARKS = np.array([k << 56 for k in range(8)] + [1 << 63], dtype=np.uint64)


class _KeyTable:
    """Ids by exact key: open addressing over a power-of-two table, each hit checked whole."""

    def __init__(self, keys: list[np.ndarray], ids: np.ndarray, unk: int) -> None:
        # The row one past the entries is what an empty slot points at: keys no piece has.
        self.keys = [np.append(k, np.uint64(0)) for k in keys]
        self.ids = np.append(ids, unk)
        self.empty = len(ids)
        self.bits = max(_MIN_SLOT_BITS, (2 * len(ids)).bit_length())
        mask = (1 << self.bits) - 1
        slots = [self.empty] * (mask + 1)  # a list: one Python step per entry, not a numpy call
        self.probes = 1
        for entry, slot in enumerate(self._slot(keys).tolist()):
            step = 0
            while slots[(slot + step) & mask] != self.empty:
                step += 1
            slots[(slot + step) & mask] = entry
            self.probes = max(self.probes, step + 1)
        self.slots = np.array(slots, dtype=np.intp)

    def _slot(self, keys: list[np.ndarray]) -> np.ndarray:
        hashed = keys[0] * _MIX[0]
        for key in keys[1:]:
            hashed = (hashed ^ key) * _MIX[1]
        return (hashed >> np.uint64(64 - self.bits)).astype(np.intp)

    def find(self, keys: list[np.ndarray]) -> np.ndarray:
        slot = self._slot(keys)
        entry = self.slots[slot]
        same = self.keys[0][entry] == keys[0]
        for table, key in zip(self.keys[1:], keys[1:], strict=True):
            same &= table[entry] == key
        ids = self.ids[entry]
        ids[~same] = self.ids[self.empty]
        # A slot taken by another word: look on in the next ones (rare at this table's fill).
        pending = np.flatnonzero(~same & (entry != self.empty))
        for step in range(1, self.probes):
            entry = self.slots[(slot[pending] + step) & self.slots.size - 1]
            same = np.ones(len(pending), dtype=bool)
            for table, key in zip(self.keys, keys, strict=True):
                same &= table[entry] == key[pending]
            ids[pending[same]] = self.ids[entry[same]]
            pending = pending[~same & (entry != self.empty)]
        return ids


class WordIds:
    """Exact word-level ids of text, the bulk of them found without a Python loop per word."""

    def __init__(self, tokenizer: HFTokenizerAdapter) -> None:
        self.hf = tokenizer.hf
        self.vocab = tokenizer.hf.get_vocab()
        self.unk = tokenizer.unk_id if tokenizer.unk_id is not None else 0
        self.specials = [t.content.encode() for t in tokenizer.hf.get_added_tokens_decoder().values()]
        words = [w for w in self.vocab if w.isascii() and 0 < len(w) <= _LONG]
        view = _uint64_view(np.frombuffer("".join(words).encode("ascii"), dtype=np.uint8))
        lengths = np.array([len(w) for w in words], dtype=np.intp)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        ids = np.array([self.vocab[w] for w in words], dtype=np.int64)
        short = lengths <= 8
        self.short = _KeyTable([short_keys(view, starts[short], lengths[short])], ids[short], self.unk)
        self.long = _KeyTable(long_keys(view, starts[~short], ends[~short]), ids[~short], self.unk)

    def encode(self, text: str) -> np.ndarray:
        """The ids of ``text`` as int64, exactly as ``tokenizer.hf.encode(text).ids``."""
        data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        if not len(data):
            return np.zeros(0, dtype=np.int64)
        cls = _CLASSES[data]
        starts, ends = piece_bounds(cls)
        slow = self._slow_stretches(data, cls, starts, ascii_only=text.isascii())
        if slow is None:
            return self._lookup(data, starts, ends)
        # Stretches begin and end at piece starts: mark the pieces inside them.
        inside = np.zeros(len(starts) + 1, dtype=np.int8)
        inside[np.searchsorted(starts, slow[:, 0])] = 1
        inside[np.searchsorted(starts, slow[:, 1])] -= 1
        keep = np.cumsum(inside[:-1], dtype=np.int8) == 0
        fast = starts[keep]
        ids = self._lookup(data, fast, ends[keep])
        raw = data.tobytes()
        texts = [raw[a:b].decode("utf-8", "surrogatepass") for a, b in slow.tolist()]
        slow_ids = [e.ids for e in self.hf.encode_batch(texts)]
        at = np.repeat(np.searchsorted(fast, slow[:, 0]), [len(i) for i in slow_ids])
        return np.insert(ids, at, np.array([i for part in slow_ids for i in part], dtype=np.int64))

    def _slow_stretches(
        self, data: np.ndarray, cls: np.ndarray, starts: np.ndarray, ascii_only: bool
    ) -> np.ndarray | None:
        """[start, end) byte rows of the stretches ``tokenizers`` must encode, or None."""
        marks = [] if ascii_only else [np.flatnonzero(cls == NON_ASCII)]
        raw = data.tobytes() if self.specials else b""
        for special in self.specials:
            found, at = [], raw.find(special)
            while at >= 0:
                found.append(at)
                at = raw.find(special, at + 1)
            marks.append(np.array(found, dtype=np.int64))
        marked = np.concatenate(marks) if marks else np.zeros(0, dtype=np.int64)
        if not len(marked):
            return None
        # Safe cuts: a space or newline after an ASCII character that is not white space (each
        # starts a piece).
        own, before = cls[starts[1:]], cls[starts[1:] - 1]
        cut = ((own == SPACE) | (own == NEWLINE)) & ((before == WORD) | (before == OTHER))
        bounds = np.concatenate([[0], starts[1:][cut], [len(cls)]])
        stretch = np.unique(np.searchsorted(bounds, marked, side="right") - 1)
        # Neighbouring stretches go to the tokenizer as one text.
        first = np.concatenate([[True], np.diff(stretch) > 1])
        last = np.concatenate([np.diff(stretch) > 1, [True]])
        return np.stack([bounds[stretch[first]], bounds[stretch[last] + 1]], axis=1)

    def _lookup(self, data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Ids of the ASCII pieces ``data[starts[i]:ends[i]]``."""
        view = _uint64_view(data)
        lengths = ends - starts
        short = lengths <= 8
        ids = np.empty(len(starts), dtype=np.int64)
        at = np.flatnonzero(short)
        ids[at] = self.short.find([short_keys(view, starts[at], lengths[at])])
        at = np.flatnonzero(~short & (lengths <= _LONG))
        ids[at] = self.long.find(long_keys(view, starts[at], ends[at]))
        # Pieces longer than a key are asked for by name.
        at = np.flatnonzero(lengths > _LONG)
        if len(at):
            raw, get, unk = data.tobytes(), self.vocab.get, self.unk
            spans = zip(starts[at].tolist(), ends[at].tolist(), strict=True)
            ids[at] = [get(raw[a:b].decode("ascii"), unk) for a, b in spans]
        return ids
