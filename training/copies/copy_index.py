"""An index of a corpus's token array for finding spans copied from it verbatim.

The index holds a hash of the ``ngram`` tokens starting at every ``stride``-th corpus
position, sorted, with those positions beside them. A query hashes the n-gram at
every one of its own positions, looks each up, checks a hit token by token (so a
hash collision costs time, never a wrong answer) and extends it both ways as far as
query and corpus agree. Any copied span of at least ``ngram + stride - 1`` tokens
covers an indexed position in every alignment, so it is always found; shorter ones are
found when they happen to cover one.

Memory is bounded: 16 bytes per indexed position, at most ``max_entries`` of them,
the stride growing with the corpus (a 100 MB character corpus at the default bound
indexes every 13th position in 128 MB). The token array itself is only read, so a
memory-mapped one works as well as one in RAM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ENTRIES = 8_000_000  # indexed positions: 128 MB of hashes and positions
MAX_CANDIDATES = 32  # corpus places checked per query n-gram (common n-grams have thousands)
_BASE = np.uint64(0x100000001B3)  # the FNV prime: odd and large, so every token stirs all the bits
_CHUNK = 1 << 22


def _hash_at(tokens: np.ndarray, starts: np.ndarray, ngram: int) -> np.ndarray:
    """A 64-bit polynomial hash of tokens[s : s + ngram] for each start s (wrapping arithmetic)."""
    h = np.zeros(len(starts), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(ngram):
            h = h * _BASE + (np.asarray(tokens[starts + j]).astype(np.uint64) + np.uint64(1))
    return h


@dataclass(frozen=True)
class Match:
    query_start: int  # token positions in the query, end exclusive
    query_end: int
    corpus_start: int  # where the same tokens start in the corpus

    @property
    def length(self) -> int:
        return self.query_end - self.query_start


class CopyIndex:
    def __init__(
        self, tokens: np.ndarray, hashes: np.ndarray, positions: np.ndarray, ngram: int, stride: int
    ):
        self.tokens = tokens
        self.hashes = hashes  # sorted
        self.positions = positions  # corpus position of each hash
        self.ngram = ngram
        self.stride = stride

    @classmethod
    def build(cls, tokens: np.ndarray, *, ngram: int, max_entries: int = MAX_ENTRIES) -> CopyIndex:
        if ngram < 1:
            raise ValueError("the n-gram must be at least one token")
        count = max(0, len(tokens) - ngram + 1)
        stride = max(1, -(-count // max_entries))  # ceil: never more than max_entries
        starts = np.arange(0, count, stride, dtype=np.int64)
        hashes = np.concatenate(
            [_hash_at(tokens, starts[i : i + _CHUNK], ngram) for i in range(0, len(starts), _CHUNK)]
            or [np.zeros(0, dtype=np.uint64)]
        )
        order = np.argsort(hashes, kind="stable")
        return cls(tokens, hashes[order], starts[order], ngram, stride)

    @property
    def guaranteed_tokens(self) -> int:
        """Copied spans at least this long (in tokens) are always found."""
        return self.ngram + self.stride - 1

    def matches(self, query: np.ndarray) -> list[Match]:
        """Maximal spans of query that occur verbatim in the corpus, one per place found."""
        query = np.asarray(query, dtype=np.int64)
        n = self.ngram
        if len(query) < n or len(self.hashes) == 0:
            return []
        q_hash = _hash_at(query, np.arange(len(query) - n + 1), n)
        lo = np.searchsorted(self.hashes, q_hash, side="left")
        hi = np.minimum(np.searchsorted(self.hashes, q_hash, side="right"), lo + MAX_CANDIDATES)
        found: list[Match] = []
        done: dict[int, list[tuple[int, int]]] = {}  # corpus - query offset -> query spans found
        for i in np.flatnonzero(hi > lo).tolist():
            for c in self.positions[lo[i] : hi[i]].tolist():
                if any(s <= i < e for s, e in done.get(c - i, ())):
                    continue  # inside a span already extended in this alignment
                match = self._extend(query, i, c)
                if match is not None:
                    found.append(match)
                    done.setdefault(c - i, []).append((match.query_start, match.query_end))
        return found

    def _extend(self, query: np.ndarray, i: int, c: int) -> Match | None:
        n, corpus = self.ngram, self.tokens
        if c + n > len(corpus) or not np.array_equal(np.asarray(corpus[c : c + n]), query[i : i + n]):
            return None  # a hash collision
        right = n
        while i + right < len(query) and c + right < len(corpus):
            step = min(64, len(query) - i - right, len(corpus) - c - right)
            same = np.asarray(corpus[c + right : c + right + step]) == query[i + right : i + right + step]
            if same.all():
                right += step
                continue
            right += int(np.argmin(same))
            break
        left = 0
        while left < i and left < c:
            step = min(64, i - left, c - left)
            same = (np.asarray(corpus[c - left - step : c - left]) == query[i - left - step : i - left])[::-1]
            if same.all():
                left += step
                continue
            left += int(np.argmin(same))
            break
        return Match(i - left, i + right, c - left)
