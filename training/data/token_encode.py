"""Tokenising a stream of text pieces: the same ids as encoding the whole text at once.

Characters go through a lookup table indexed by code point (numpy, no Python loop
per character); words through ``training.data.ingest_words`` (numpy too, on ASCII text);
byte-level BPE through ``training.data.bpe_ids`` (each distinct piece encoded once);
any other BPE tokenizer goes to Hugging Face ``tokenizers`` in batches of sub-pieces
cut at safe places (``lstm_core.chunking``). What follows the last safe cut of one
piece waits for the next, so no word is split across pieces. Tokenizers are trained from the
stream too: characters from the set of all of them, words and BPE from an evenly
spread sample of bounded size.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from lstm_core.chunking import last_cut, split_at_cuts
from lstm_core.tokenizers import DEFAULT_VOCAB, CharTokenizer, HFTokenizerAdapter, Tokenizer
from training.data.batching import compact_dtype
from training.data.bpe_ids import BpeIds, plain_byte_level
from training.data.ingest_words import WordIds

SUB_PIECE_CHARS = 1 << 16  # what one encode_batch item holds: enough to use every core
WORD_BLOCK_CHARS = 1 << 18  # text per numpy word encoding (256 KB: 0.58 s against 1.19 s per
# 20 MB of Python sources at 4 MB, 0.68 s at 64 KB, where per-call costs start to show);
# byte-level BPE's blocks too: a block's pieces are Python strings, about 4 MB of them here
# The text a word or BPE vocabulary is learnt from: the 8,000 commonest words settle well
# within the ~600,000 words of 4 MB (counting them with Python's ``re`` costs about 0.1 s
# per MB, a fixed cost that weighs most on mid-sized corpora), and BPE merge training time
# grows with its input. Larger corpora are sampled evenly.
SAMPLE_CHARS = {"word": 4_000_000, "bpe": 4_000_000}
_MAX_CODE_POINT = 0x10FFFF


def _code_points(text: str) -> np.ndarray:
    if text.isascii():  # a byte a character, not four: less memory to take and free per chunk
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    # "surrogatepass": a lone surrogate (from a mis-encoded file) still gets a code point.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def char_table(tokenizer: CharTokenizer) -> np.ndarray:
    """Id of every code point: 0 (<unk>) for characters the tokenizer never saw."""
    table = np.zeros(_MAX_CODE_POINT + 1, dtype=np.uint32)
    for token_id, ch in enumerate(tokenizer.chars[1:], start=1):
        table[ord(ch)] = token_id
    return table


def encode_pieces(
    tokenizer: Tokenizer,
    pieces: Iterable[str],
    *,
    sub_piece_chars: int = SUB_PIECE_CHARS,
    file_starts: Sequence[int] = (),
    file_ends: list[int] | None = None,
) -> Iterator[np.ndarray]:
    """Token ids of the concatenated pieces, one array at a time, in the smallest dtype.

    ``file_ends``, when given, gets the token position where the text reaches each offset of
    ``file_starts`` (which may grow while the pieces are read, as ``stream_text`` fills it):
    exact at a safe cut (``lstm_core.chunking``), else the last safe cut before it, a
    token or two early when a file ends in spaces."""
    dtype = compact_dtype(tokenizer.vocab_size)
    ends = file_ends if file_ends is not None else []
    if isinstance(tokenizer, CharTokenizer):
        table = char_table(tokenizer).astype(dtype)
        for piece in pieces:
            ends.extend(file_starts[len(ends) :])  # one token per character
            yield table[_code_points(piece)]
        return
    assert isinstance(tokenizer, HFTokenizerAdapter)
    fast: WordIds | BpeIds | None = None
    if tokenizer.level == "word":
        fast = WordIds(tokenizer)
    elif plain_byte_level(tokenizer):
        fast = BpeIds(tokenizer)

    def encode(text: str) -> Iterator[np.ndarray]:
        if fast is not None:
            # Blocks whose arrays stay in the processor's cache: twice as fast as 4 MB at once.
            for block in split_at_cuts(text, WORD_BLOCK_CHARS):
                yield fast.encode(block).astype(dtype)
        else:
            encoded = tokenizer.hf.encode_batch(split_at_cuts(text, sub_piece_chars))
            yield np.array([i for enc in encoded for i in enc.ids], dtype)

    carry, offset, emitted = "", 0, 0  # offset: where ``carry`` starts in the whole text
    for item in itertools.chain(pieces, [None]):  # None: the end, encode what is carried
        if item is None:
            head, carry = carry, ""
        else:
            text = carry + item
            cut = last_cut(text)
            head, carry = text[:cut], text[cut:]
        done = 0  # of head
        while len(ends) < len(file_starts) and file_starts[len(ends)] <= offset + len(head):
            local = file_starts[len(ends)] - offset
            at = local if local >= len(head) else max(done, last_cut(head[: local + 1]))
            for ids in encode(head[done:at]) if at > done else ():
                emitted += len(ids)
                yield ids
            done = at
            ends.append(emitted)
        for ids in encode(head[done:]) if len(head) > done else ():
            emitted += len(ids)
            yield ids
        offset += len(head)


def train_char_tokenizer(pieces: Iterable[str]) -> CharTokenizer:
    """Every character of the stream, in code-point order (as ``sorted(set(text))`` gives)."""
    # A flag per code point: marking a chunk's characters is one numpy call, ten times
    # faster than adding them to a set one by one.
    seen = np.zeros(_MAX_CODE_POINT + 1, dtype=bool)
    for piece in pieces:
        seen[_code_points(piece)] = True
    return CharTokenizer([chr(c) for c in np.flatnonzero(seen)])


def sample_pieces(pieces: Iterable[str], *, total_bytes: int, budget_chars: int) -> Iterator[str]:
    """Sub-pieces spread evenly over the stream, at most about ``budget_chars`` in all: a
    sub-piece is kept while the sample is behind its share of the text read so far (counted
    against the corpus's bytes, so text of multi-byte characters is sampled a little less)."""
    kept = seen = 0
    for piece in pieces:
        if total_bytes > budget_chars and kept > budget_chars * (seen + len(piece)) / total_bytes:
            seen += len(piece)  # the sample is ahead even after this piece: skip it whole
            continue
        for sub in split_at_cuts(piece, SUB_PIECE_CHARS):
            seen += len(sub)
            if total_bytes <= budget_chars or kept <= budget_chars * seen / total_bytes:
                kept += len(sub)
                yield sub


def train_hf_tokenizer(level: str, pieces: Iterable[str], vocab_size: int | None = None) -> Tokenizer:
    return HFTokenizerAdapter.train_from_pieces(level, pieces, vocab_size or DEFAULT_VOCAB[level])
