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

Whole files, when the corpus is several: a stripe cut through a file leaves the rest of
that file in training, and a file's own names, wording and layout then make its held-out
part look easier than any new file a person would give the model. So when the files allow
it, the held-out part is whole files spread evenly over the stream (``file_spans``), about
the same number of tokens as the stripes; a corpus of one large file and a few small ones,
where no choice of whole files comes near that size, keeps the stripes.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    held_files: tuple[int, ...] = ()  # the files held out whole, by their place in the stream


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


def file_spans(file_ends: Sequence[int], val_fraction: float) -> list[tuple[int, int]] | None:
    """Whole files to hold out, as [start, end) token ranges in order, or None when no choice
    of whole files is within a factor of two of the hold-out size (or would leave training
    less than half the stream). ``file_ends`` are the token positions where each file's text
    ends, in stream order; the last is the stream's length."""
    if len(file_ends) < 2:
        return None
    total = int(file_ends[-1])
    target = holdout_size(total, val_fraction)
    starts = [0, *(int(e) for e in file_ends[:-1])]
    files = list(zip(starts, (int(e) for e in file_ends), strict=True))
    spans: list[tuple[int, int]] = []
    held = 0
    if total > STRIPED_UP_TO:
        # The last files, as one view at the end of the stream (see the module's docstring).
        while held < target and len(spans) < len(files) - 1:
            start, end = files[-1 - len(spans)]
            spans.append((start, end))
            held += end - start
        spans = [(spans[-1][0], total)] if spans else []
    else:
        # Evenly spread: a file is held out when that brings the held-out total closer to
        # its due share of the stream read so far (the way a line is drawn on a pixel grid).
        for start, end in files:
            if held + (end - start) / 2 < target * end / total:
                spans.append((start, end))
                held += end - start
    if not target / 2 <= held <= min(2 * target, total / 2) or held == total:
        return None
    return _merged(spans)


def files_in(spans: Sequence[tuple[int, int]], file_ends: Sequence[int]) -> tuple[int, ...]:
    """The places of the files that ``spans`` (from ``file_spans``) hold whole."""
    starts = [0, *(int(e) for e in file_ends[:-1])]
    return tuple(
        i
        for i, (start, end) in enumerate(zip(starts, (int(e) for e in file_ends), strict=True))
        if any(a <= start and end <= b for a, b in spans)
    )


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def split_holdout(
    tokens: np.ndarray, val_fraction: float, file_ends: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) parts of ``tokens``: whole files when ``file_ends`` allow it
    (``file_spans``), else stripes; views when the hold-out is one span at the end."""
    spans = file_spans(file_ends, val_fraction) if file_ends is not None else None
    if spans is None:
        spans = holdout_spans(len(tokens), val_fraction)
    if len(spans) == 1 and spans[0][1] == len(tokens):
        start, _ = spans[0]
        return tokens[:start], tokens[start:]
    kept = [(0 if i == 0 else spans[i - 1][1], start) for i, (start, _) in enumerate(spans)]
    kept.append((spans[-1][1], len(tokens)))
    train = np.concatenate([tokens[a:b] for a, b in kept if b > a])
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
