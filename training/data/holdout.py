"""The held-out split: which tokens a run never trains on, and how many characters they are.

How much: ``val_fraction`` (5 % by default) of the token stream, but never more than
``HOLDOUT_CAP`` tokens. With the default fraction that means corpora above 20 million
tokens hold out exactly one million: a 1 GB corpus does not need 50 MB of validation
text, and validation scores a capped sample of it anyway.

Where: ten evenly spaced stripes, each ending a tenth of the stream (the last one ends
the stream). A text is rarely the same from start to end: held out at its end alone, a
play begun in the last twentieth of a corpus of plays, or the last files of a folder,
would never be trained on, and validation would judge the model on text unlike anything
it saw. The training part is then the stripes' complement joined into one array, a copy;
streams above ``STRIPED_UP_TO`` tokens, whose capped hold-out is under 1.6 % of them,
hold out their end instead, as views, so that a large memory-mapped corpus is never
copied into memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.tokenizers import Tokenizer
from training.data.overlap import Overlap

HOLDOUT_CAP = 1_000_000  # tokens; about 1 MB of text at character level
STRIPES = 10
MIN_STRIPE = 256  # tokens: a small corpus holds out fewer, longer stripes
STRIPED_UP_TO = 64 * 1024 * 1024  # tokens; at most 128 MB to copy (uint16 ids)
_BLOCK = 1 << 22  # tokens counted at a time: bounded memory over a memory-mapped file


@dataclass
class DataSplit:
    """A run's tokens after the split: what it trains on and what it is judged on."""

    train: np.ndarray
    val: np.ndarray
    val_chars: int  # characters the validation tokens decode to
    overlap: Overlap | None = None  # how much of the held-out text training also holds


def holdout_size(total: int, val_fraction: float) -> int:
    """How many tokens of ``total`` are held out."""
    return max(1, min(int(total * val_fraction), HOLDOUT_CAP))


def holdout_spans(total: int, val_fraction: float) -> list[tuple[int, int]]:
    """The held-out [start, end) ranges of a stream of ``total`` tokens, in order."""
    held = holdout_size(total, val_fraction)
    if total > STRIPED_UP_TO:
        return [(total - held, total)]
    stripes = max(1, min(STRIPES, held // MIN_STRIPE))
    spans = []
    for i in range(stripes):
        end = total * (i + 1) // stripes
        size = held * (i + 1) // stripes - held * i // stripes
        spans.append((end - size, end))
    return spans


def split_holdout(tokens: np.ndarray, val_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) parts of ``tokens``: views when the hold-out is one span."""
    spans = holdout_spans(len(tokens), val_fraction)
    if len(spans) == 1:
        start, _ = spans[0]
        return tokens[:start], tokens[start:]
    kept = [(0 if i == 0 else spans[i - 1][1], start) for i, (start, _) in enumerate(spans)]
    train = np.concatenate([tokens[a:b] for a, b in kept])
    val = np.concatenate([tokens[a:b] for a, b in spans])
    return train, val


def _chars_in(data: bytes) -> int:
    # UTF-8: every character has exactly one byte that is not a continuation byte (10xxxxxx),
    # so a token holding part of a character counts it once, with the part that starts it.
    return sum(1 for b in data if b & 0xC0 != 0x80)


def _char_table(tokenizer: Tokenizer) -> np.ndarray:
    return np.array(
        [_chars_in(tokenizer.token_bytes(i)) for i in range(tokenizer.vocab_size)], dtype=np.int64
    )


def count_chars(tokenizer: Tokenizer, tokens: np.ndarray) -> int:
    """How many characters ``tokens`` decode to, without decoding them."""
    if tokenizer.level == "char":
        return len(tokens)
    table = _char_table(tokenizer)
    return int(sum(table[tokens[i : i + _BLOCK]].sum() for i in range(0, len(tokens), _BLOCK)))
