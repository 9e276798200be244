"""What each sample of a batch has written, kept with a few array operations per step.

At 32 rows a step of a 2×512 model costs under a millisecond, so per-row Python at every
token (decoding, windows, one generator call per row) was a fifth of it. Here a step
writes every row's token into one array; the text is decoded once, at the end. Only what
needs the text as it grows (stop strings) or the recent tokens (a repetition penalty)
keeps per-row work, and only when those settings are on.
"""

from __future__ import annotations

import codecs
from typing import Literal

import numpy as np

from lstm_core.sampling import SamplingSettings
from lstm_core.tokenizers import Tokenizer

# end of document, a stop string, max_tokens, or stopped by the caller (Ctrl+C)
Ending = Literal["end", "stop", "length", "stopped"]

_UNIFORM_BLOCK = 64  # draws taken from each row's generator at a time
_FIRST_COLUMNS = 256  # tokens per row the written array holds at first; it doubles as needed


class Uniforms:
    """Each row's uniform draws, one per token, taken from its generator a block at a time:
    ``rng.random(n)`` gives the n values that n calls of ``rng.random()`` give, so a row
    draws exactly what a single run with its seed draws."""

    def __init__(self, rngs: list[np.random.Generator]) -> None:
        self.rngs = rngs
        self.block = np.empty((len(rngs), 0))
        self.at = 0

    def next(self, rows: np.ndarray) -> np.ndarray:
        """The next draw of each of ``rows`` (indices into the seeds' order). Every row
        still generating asks at every step, so the rows keep in step with one column."""
        if self.at == self.block.shape[1]:
            self.block = np.stack([rng.random(_UNIFORM_BLOCK) for rng in self.rngs])
            self.at = 0
        column = self.block[rows, self.at]
        self.at += 1
        return column


class _StopStrings:
    """The growing text of each row, cut at the first stop string (as a single run cuts it)."""

    def __init__(self, tokenizer: Tokenizer, stops: tuple[str, ...], rows: int) -> None:
        self.tokenizer = tokenizer
        self.stops = stops
        self.longest = max(len(s) for s in stops)
        self.decoders = [codecs.getincrementaldecoder("utf-8")(errors="replace") for _ in range(rows)]
        self.texts = [""] * rows

    def add(self, row: int, token: int) -> bool:
        """True when this token completed a stop string (the text is then cut before it)."""
        text = self.texts[row]
        tail_from = max(0, len(text) - self.longest + 1)  # only the tail can hold a new match
        text += self.decoders[row].decode(self.tokenizer.token_bytes(token))
        cuts = [c for c in (text.find(s, tail_from) for s in self.stops) if c >= 0]
        self.texts[row] = text[: min(cuts)] if cuts else text
        return bool(cuts)


class BatchRows:
    """Every row's tokens, ending and (when a setting needs them) stop strings and recent
    window, indexed in the seeds' order."""

    def __init__(
        self, tokenizer: Tokenizer, settings: SamplingSettings, rows: int, window: list[int]
    ) -> None:
        self.tokenizer = tokenizer
        self.end = tokenizer.eod_id if settings.stop_at_end else None
        # Grown as tokens come: a length limit far past where every row ends (or 1,024 rows of
        # a long text) need not be reserved up front.
        self.written = np.zeros((rows, min(settings.max_tokens, _FIRST_COLUMNS)), dtype=np.int64)
        self.lengths = np.zeros(rows, dtype=np.int64)  # tokens written, an end token not counted
        self.endings: list[Ending | None] = [None] * rows
        self.stop_strings = _StopStrings(tokenizer, settings.stop, rows) if settings.stop else None
        self.window = settings.repetition_window
        self.recent = [list(window) for _ in range(rows)] if settings.repetition_penalty != 1.0 else None

    def recent_of(self, rows: np.ndarray) -> list[list[int]]:
        return [[] for _ in rows] if self.recent is None else [self.recent[r] for r in rows]

    def add(self, rows: np.ndarray, tokens: np.ndarray, produced: int) -> np.ndarray:
        """Token ``produced`` of each of ``rows``; True where that row has now ended."""
        if produced > self.written.shape[1]:
            self.written = np.concatenate([self.written, np.zeros_like(self.written)], axis=1)
        self.written[rows, produced - 1] = tokens
        self.lengths[rows] = produced
        ended = tokens == self.end if self.end is not None else np.zeros(len(rows), dtype=bool)
        for row in rows[ended].tolist():
            self.endings[row] = "end"
            self.lengths[row] = produced - 1
        if self.recent is None and self.stop_strings is None:
            return ended
        for k, (row, token) in enumerate(zip(rows.tolist(), tokens.tolist(), strict=True)):
            if ended[k]:
                continue
            if self.recent is not None:
                recent = self.recent[row]
                recent.append(token)
                if len(recent) > self.window:
                    del recent[0]
            if self.stop_strings is not None and self.stop_strings.add(row, token):
                self.endings[row] = "stop"
                ended[k] = True
        return ended

    def stop(self, rows: np.ndarray) -> None:
        """The caller stopped: the rows still generating end where they are."""
        for row in rows.tolist():
            self.endings[row] = self.endings[row] or "stopped"

    def text(self, row: int) -> str:
        """What the row wrote. A character whose last bytes the length limit cut off is left
        out (the decoder is not flushed), as a single run leaves it out of its stream."""
        if self.stop_strings is not None:
            return self.stop_strings.texts[row]
        ids = self.written[row, : self.lengths[row]].tolist()
        data = b"".join(self.tokenizer.token_bytes(i) for i in ids)
        return codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data)

    def length(self, row: int) -> int:
        return int(self.lengths[row])

    def ending(self, row: int) -> Ending:
        return self.endings[row] or "length"
