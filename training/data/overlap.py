"""How much of the held-out text also occurs in the training text, and the held-out text
without it.

A corpus that repeats itself (the same licence twice, a chorus, boilerplate in every file)
puts copies of its held-out passages in the training part. Scored on them, a model that
has memorised its corpus looks as if it generalises: on Debian's licence collection the
run reported 0.40 nats per character while the next, unseen page scored 2.5. So a
held-out token counts as seen when it lies inside a span of ``SPAN_CHARS`` characters
that also occurs, token for token, somewhere in the training part; validation scores the
held-out text with those spans cut out, and the run reports the share it cut.

Spans are compared by a 64-bit polynomial hash of their tokens, computed for every
position at once with numpy (from running sums: four passes whatever the span), over the
training part a block at a time, so memory stays bounded on a memory-mapped corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPAN_CHARS = 50  # a shared span this long is a copied passage, not a common phrase
MIN_SPAN_TOKENS = 8  # word or BPE tokens: a shorter span of tokens is a common phrase
SCANNED_UP_TO = 64 * 1024 * 1024  # training tokens compared; beyond, the share is a lower bound
# What must remain of the held-out text for the cut to apply: this many tokens, or half of it
# when it is smaller (a 30 KB text holds out 1,500); less makes a validation too noisy to
# steer by, and the run then keeps it whole and says so instead.
MIN_UNSEEN_TOKENS = 2_000
_BLOCK = 1 << 22  # training positions hashed at a time
_FILTER_BITS = 27  # a bit for each of 2**27 hash prefixes: few false passes below ~5 M held-out spans
_COARSE_BITS = 22  # a flag for each of 2**22 shorter prefixes, looked at first
_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, so every power of it is distinct mod 2**64
_INVERSE = np.uint64(pow(int(_BASE), -1, 1 << 64))  # _BASE * _INVERSE == 1 mod 2**64


@dataclass(frozen=True)
class Overlap:
    held_tokens: int  # held-out tokens compared
    seen_tokens: int  # of them, inside a span that also occurs in training
    complete: bool = True  # False when only the first SCANNED_UP_TO training tokens were compared

    @property
    def share(self) -> float:
        return self.seen_tokens / self.held_tokens if self.held_tokens else 0.0

    def describe(self) -> str:
        """'12.3 % of the held-out text also appears in training' (or 'at least …')."""
        bound = "" if self.complete else "at least "
        return f"{bound}{self.share:.1%} of the held-out text also appears in training"


def span_tokens(chars_per_token: float) -> int:
    """How many tokens make a span of about ``SPAN_CHARS`` characters."""
    return max(MIN_SPAN_TOKENS, round(SPAN_CHARS / max(chars_per_token, 1e-9)))


class _Powers:
    """``BASE ** i`` and ``BASE ** -i`` mod 2**64 for every i below ``length`` (BASE is odd, so
    it has an inverse): made once for all the blocks of a comparison."""

    def __init__(self, length: int) -> None:
        self.length = length
        self.up = _geometric(_BASE, length)
        self.down = _geometric(_INVERSE, length)


def _geometric(ratio: np.uint64, length: int) -> np.ndarray:
    terms = np.full(length, ratio, dtype=np.uint64)
    terms[:1] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(terms, dtype=np.uint64)


def _span_hashes(tokens: np.ndarray, span: int, powers: _Powers | None = None) -> np.ndarray:
    """The hash of ``tokens[i : i + span]`` for every i that has a whole span: the polynomial
    sum of ``tokens[i + j] * BASE ** (span - 1 - j)`` mod 2**64.

    From running sums of ``tokens[m] * BASE ** -m``: the difference of two of them is a
    span's sum scaled by ``BASE ** -i``, which ``BASE ** (i + span - 1)`` turns into its hash.
    Four passes over the array whatever the span (building spans by doubling took twelve
    for a 50-character span, a third of the time to the first step on a 87 MB folder)."""
    count = len(tokens) - span + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    if powers is None or powers.length < len(tokens):
        powers = _Powers(len(tokens))
    with np.errstate(over="ignore"):  # wrapping mod 2**64 is the hash
        scaled = np.asarray(tokens).astype(np.uint64)
        scaled *= powers.down[: len(tokens)]
        sums = np.zeros(len(tokens) + 1, dtype=np.uint64)
        np.cumsum(scaled, out=sums[1:])
        del scaled
        hashes = sums[span:] - sums[:count]
        hashes *= powers.up[span - 1 : span - 1 + count]
    return hashes


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)``, by sorting: numpy 2.4's ``unique`` hashes the values first, and
    took 0.6 s where sorting takes 0.05 s (a million held-out hashes)."""
    ordered = np.sort(values)
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


class _Prefilter:
    """Which training spans may be held-out ones, from the top bits of their hashes: a span
    whose bit is clear cannot be one, so only the few that pass are looked up by binary
    search, which for every position of a large corpus took most of the time.

    Two maps: a flag a prefix (4 MB, one lookup, which stays in the processor's cache) lets
    about a fifth through, and a bitmap of longer prefixes (16 MB, five passes) then lets
    under 1 % of the rest through; the bitmap alone over every span took twice as long."""

    def __init__(self, wanted: np.ndarray) -> None:
        self.coarse = np.zeros(1 << _COARSE_BITS, dtype=bool)
        self.coarse[wanted >> np.uint64(64 - _COARSE_BITS)] = True
        self.bits = np.zeros(1 << (_FILTER_BITS - 3), dtype=np.uint8)
        top = wanted >> np.uint64(64 - _FILTER_BITS)
        np.bitwise_or.at(
            self.bits, top >> np.uint64(3), np.left_shift(1, top & np.uint64(7)).astype(np.uint8)
        )

    def passed(self, hashes: np.ndarray) -> np.ndarray:
        """The hashes that may be wanted, sorted (binary search runs faster over sorted keys)."""
        hashes = hashes[self.coarse[hashes >> np.uint64(64 - _COARSE_BITS)]]
        top = hashes >> np.uint64(64 - _FILTER_BITS)
        hashes = hashes[(self.bits[top >> np.uint64(3)] >> (top & np.uint64(7)).astype(np.uint8)) & 1 == 1]
        hashes.sort()
        return hashes


def seen_mask(train: np.ndarray, held: np.ndarray, span: int) -> tuple[np.ndarray, bool]:
    """(mask over ``held``: True where the token lies inside a span also in ``train``,
    whether all of ``train`` was compared)."""
    mask = np.zeros(len(held), dtype=bool)
    scanned = min(len(train), SCANNED_UP_TO)
    powers = _Powers(max(len(held), min(scanned, _BLOCK + span - 1)))
    held_hashes = _span_hashes(held, span, powers)
    if len(held_hashes) == 0:
        return mask, True
    wanted = _sorted_unique(held_hashes)  # sorted: each block is looked up by binary search
    found = np.zeros(len(wanted), dtype=bool)
    prefilter = _Prefilter(wanted)
    for start in range(0, max(0, scanned - span + 1), _BLOCK):
        block = _span_hashes(train[start : min(scanned, start + _BLOCK + span - 1)], span, powers)
        block = prefilter.passed(block)
        at = np.minimum(np.searchsorted(wanted, block), len(wanted) - 1)
        found[at[wanted[at] == block]] = True
    hits = found[np.searchsorted(wanted, held_hashes)]
    # A span found at i covers held-out tokens i .. i + span - 1: spread each start over them.
    starts = np.zeros(len(held) + 1, dtype=np.int32)
    where = np.flatnonzero(hits)
    np.add.at(starts, where, 1)
    np.add.at(starts, where + span, -1)
    mask = np.cumsum(starts[:-1]) > 0
    return mask, scanned == len(train)


def enough_unseen(unseen: int, held: int) -> bool:
    """Whether ``unseen`` of ``held`` held-out tokens are enough to validate on."""
    return unseen >= min(MIN_UNSEEN_TOKENS, held // 2)


def measure_overlap(train: np.ndarray, held: np.ndarray, span: int) -> tuple[Overlap, np.ndarray]:
    """(the overlap, the held-out tokens with every seen span cut out)."""
    mask, complete = seen_mask(train, held, span)
    overlap = Overlap(len(held), int(mask.sum()), complete)
    return overlap, np.asarray(held)[~mask]
