"""The held-out split: which tokens a run never trains on, and how many characters they are.

The rule: the last ``val_fraction`` (5 % by default) of the token stream is held
out, but never more than ``HOLDOUT_CAP`` tokens. With the default fraction that
means corpora above 20 million tokens hold out exactly one million: a 1 GB corpus
does not need 50 MB of validation text, and validation scores a capped sample of
it anyway. The held-out part is the end of the stream, so there is no leakage
across the boundary beyond one token.
"""

from __future__ import annotations

import numpy as np

from lstm_core.tokenizers import Tokenizer

HOLDOUT_CAP = 1_000_000  # tokens; about 1 MB of text at character level
_BLOCK = 1 << 22  # tokens counted at a time: bounded memory over a memory-mapped file


def holdout_size(total: int, val_fraction: float) -> int:
    """How many tokens of ``total`` are held out."""
    return max(1, min(int(total * val_fraction), HOLDOUT_CAP))


def split_holdout(tokens: np.ndarray, val_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) views of ``tokens``: nothing is copied."""
    cut = len(tokens) - holdout_size(len(tokens), val_fraction)
    return tokens[:cut], tokens[cut:]


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
