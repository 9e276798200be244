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
position at once with numpy (one multiply-add pass per token of the span), over the
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
_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, so every power of it is distinct mod 2**64


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


def _span_hashes(tokens: np.ndarray, span: int) -> np.ndarray:
    """The hash of ``tokens[i : i + span]`` for every i that has a whole span: the polynomial
    sum of ``tokens[i + j] * BASE ** (span - 1 - j)`` mod 2**64.

    Built by doubling (spans of 1, 2, 4, ... tokens, each from two of half its length), then
    joined along the binary digits of ``span``: about 2·log2(span) passes over the array
    where adding one token at a time took ``span`` (6× fewer for a 50-character span)."""
    count = len(tokens) - span + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrapping mod 2**64 is the hash
        power = np.asarray(tokens).astype(np.uint64)  # spans of `length` tokens, from every start
        length, parts = 1, {}
        while length <= span:
            if span & length:
                parts[length] = power
            if 2 * length <= span:
                power = power[:-length] * _BASE ** np.uint64(length) + power[length:]
            length *= 2
        hashes = np.zeros(count, dtype=np.uint64)
        offset = 0
        for length in sorted(parts, reverse=True):  # the longest part covers the span's start
            hashes *= _BASE ** np.uint64(length)
            hashes += parts[length][offset : offset + count]
            offset += length
    return hashes


def _prefilter(wanted: np.ndarray) -> np.ndarray:
    """A bitmap (16 MB) over the top bits of the hashes in ``wanted``: a training span whose
    bit is clear cannot be one of them, so only the few that pass are looked up by binary
    search, which for every position of a large corpus took most of the time."""
    bits = np.zeros(1 << (_FILTER_BITS - 3), dtype=np.uint8)
    top = wanted >> np.uint64(64 - _FILTER_BITS)
    np.bitwise_or.at(bits, top >> np.uint64(3), np.left_shift(1, top & np.uint64(7)).astype(np.uint8))
    return bits


def _may_be_wanted(bits: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    top = hashes >> np.uint64(64 - _FILTER_BITS)
    return (bits[top >> np.uint64(3)] >> (top & np.uint64(7)).astype(np.uint8)) & 1 == 1


def seen_mask(train: np.ndarray, held: np.ndarray, span: int) -> tuple[np.ndarray, bool]:
    """(mask over ``held``: True where the token lies inside a span also in ``train``,
    whether all of ``train`` was compared)."""
    mask = np.zeros(len(held), dtype=bool)
    held_hashes = _span_hashes(held, span)
    if len(held_hashes) == 0:
        return mask, True
    wanted = np.unique(held_hashes)  # sorted: each block is looked up by binary search
    found = np.zeros(len(wanted), dtype=bool)
    scanned = min(len(train), SCANNED_UP_TO)
    maybe = _prefilter(wanted)
    for start in range(0, max(0, scanned - span + 1), _BLOCK):
        block = _span_hashes(train[start : min(scanned, start + _BLOCK + span - 1)], span)
        block = block[_may_be_wanted(maybe, block)]
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
