"""Tokenizers behind one small interface, each serialisable into a checkpoint.

Unknown-input policy, stated once:
- char: a character never seen in training maps to ``<unk>`` (id 0), decoded as U+FFFD.
- word: a word never seen in training (or too rare to earn a slot) maps to ``<unk>``.
- bpe: byte-level, so nothing is ever unknown: unseen characters fall back to their bytes.

Every tokenizer can give the bytes of each token, so a stream of ids decodes
incrementally without ever splitting a multi-byte character (see ``StreamDecoder``).
"""

from __future__ import annotations

import codecs
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

from tokenizers import Regex, models, pre_tokenizers, trainers
from tokenizers import Tokenizer as HFTokenizer

from lstm_core.chunking import split_at_cuts
from lstm_core.doc_tokens import EOD_KEY, DocumentTokenizer
from lstm_core.tokenizer_api import Tokenizer

Level = Literal["char", "word", "bpe"]
LEVELS: tuple[str, ...] = get_args(Level)
UNK = "<unk>"
REPLACEMENT = "\ufffd"
# Words keep their leading space (" the"), whitespace runs are tokens: decoding is concatenation.
_WORD_PATTERN = r" ?\w+| ?[^\w\s]| +|\r?\n|\s"
_WORDS = re.compile(_WORD_PATTERN)
# The same cuts on ASCII text, about six times faster than the tokenizer's own pre-tokenizer
# (`` ?\w+`` split in two alternatives, which Python's ``re`` runs faster). With re.ASCII,
# ``\s`` is exactly the tokenizer's white space on ASCII; without it Python would count the
# separators \x1c-\x1f as white space too.
_ASCII_WORDS = re.compile(r"[A-Za-z0-9_]+| [A-Za-z0-9_]+| ?[^A-Za-z0-9_\s]| +|\r?\n|\s", re.ASCII)


def decode(tokenizer: Tokenizer, ids: list[int]) -> str:
    return b"".join(tokenizer.token_bytes(i) for i in ids).decode("utf-8", errors="replace")


def token_text(tokenizer: Tokenizer, token_id: int) -> str:
    return tokenizer.token_bytes(token_id).decode("utf-8", errors="replace")


class StreamDecoder:
    """Turns ids into text as they come, holding back a partial UTF-8 character."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tokenizer = tokenizer
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, token_id: int) -> str:
        return self._utf8.decode(self._tokenizer.token_bytes(token_id))

    def flush(self) -> str:
        return self._utf8.decode(b"", final=True)


class CharTokenizer:
    level = "char"
    unk_id: int | None = 0
    eod_id: int | None = None

    def __init__(self, chars: list[str]) -> None:
        self.chars = [UNK, *chars]
        self._index = {ch: i for i, ch in enumerate(self.chars) if i > 0}
        self._bytes = [REPLACEMENT.encode()] + [ch.encode("utf-8", "surrogatepass") for ch in chars]

    @classmethod
    def train(cls, text: str) -> CharTokenizer:
        return cls(sorted(set(text)))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        index = self._index
        return [index.get(ch, 0) for ch in text]

    def token_bytes(self, token_id: int) -> bytes:
        return self._bytes[token_id]

    def to_dict(self) -> dict[str, Any]:
        return {"level": "char", "chars": self.chars[1:]}


def _byte_to_unicode() -> dict[int, str]:
    """The byte-level alphabet: printable bytes stand for themselves, the rest are
    shifted past 255 so that every byte is a visible, non-whitespace character."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    table = {b: chr(b) for b in printable}
    shift = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + shift)
            shift += 1
    return table


class HFTokenizerAdapter:
    """Word or byte-level BPE tokenizer trained with Hugging Face ``tokenizers``."""

    def __init__(self, level: str, hf: HFTokenizer) -> None:
        self.level = level
        self.hf = hf
        vocab = hf.get_vocab()
        self.unk_id = vocab.get(UNK) if level == "word" else None
        self.eod_id: int | None = None
        tokens = [""] * len(vocab)
        for token, i in vocab.items():
            tokens[i] = token
        if level == "bpe":
            from_unicode = {u: b for b, u in _byte_to_unicode().items()}
            self._bytes = [bytes(from_unicode[ch] for ch in tok) for tok in tokens]
        else:
            self._bytes = [REPLACEMENT.encode() if t == UNK else t.encode("utf-8") for t in tokens]

    @classmethod
    def train(cls, level: str, text: str, vocab_size: int) -> HFTokenizerAdapter:
        return cls.train_from_pieces(level, _chunks(text), vocab_size)

    @classmethod
    def train_from_pieces(cls, level: str, pieces: Iterable[str], vocab_size: int) -> HFTokenizerAdapter:
        """Train on text that arrives in pieces (an iterator: a corpus need not fit in memory)."""
        if level == "word":
            return cls.word_from_counts(count_words(pieces), vocab_size)
        hf = HFTokenizer(models.BPE())
        hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        hf.train_from_iterator(pieces, trainer=trainer)
        return cls(level, hf)

    @classmethod
    def word_from_counts(cls, counts: Mapping[str, int], vocab_size: int) -> HFTokenizerAdapter:
        """The tokenizer ``WordLevelTrainer(min_frequency=2, special_tokens=[UNK])`` trains on
        text with these word counts (the same JSON): <unk>, then words seen at least twice,
        commonest first, ties in code-point order."""
        ordered = sorted((w for w, n in counts.items() if n >= 2 and w != UNK), key=lambda w: (-counts[w], w))
        vocab = {word: i for i, word in enumerate([UNK, *ordered][:vocab_size])}
        hf = HFTokenizer(models.WordLevel(vocab, unk_token=UNK))
        hf.pre_tokenizer = _word_pre_tokenizer()
        hf.add_special_tokens([UNK])
        return cls("word", hf)

    @property
    def vocab_size(self) -> int:
        return len(self._bytes)

    def encode(self, text: str) -> list[int]:
        if len(text) < 1 << 16:
            return self.hf.encode(text).ids
        # Encoding in chunks cut at safe places keeps memory flat and uses every core.
        return [i for enc in self.hf.encode_batch(list(_chunks(text))) for i in enc.ids]

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Each text's ids, from one call into the Rust tokenizer for all of them."""
        return [enc.ids for enc in self.hf.encode_batch(texts)]

    def token_bytes(self, token_id: int) -> bytes:
        return self._bytes[token_id]

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "hf": json.loads(self.hf.to_str())}


def _word_pre_tokenizer() -> pre_tokenizers.PreTokenizer:
    return pre_tokenizers.Split(Regex(_WORD_PATTERN), behavior="isolated")


def count_words(pieces: Iterable[str]) -> Counter[str]:
    """How often each word piece occurs in the concatenated pieces (each must end at a safe
    cut, ``lstm_core.chunking``). ASCII text is cut by Python's ``re``; only the short
    stretches around other characters go to the tokenizer's own (slower) pre-tokenizer."""
    counts: Counter[str] = Counter()
    slow = _word_pre_tokenizer()
    for piece in pieces:
        for part in (piece,) if piece.isascii() else split_at_cuts(piece, 1024):
            if part.isascii():
                counts.update(_ASCII_WORDS.findall(part))
            else:
                counts.update(word for word, _ in slow.pre_tokenize_str(part))
    return counts


def _chunks(text: str, size: int = 1 << 16) -> list[str]:
    """Pieces of about ``size`` characters, cut where tokenising them gives the whole text's ids."""
    return split_at_cuts(text, size)


DEFAULT_VOCAB = {"word": 8000, "bpe": 1024}


def train_tokenizer(level: str, text: str, vocab_size: int | None = None) -> Tokenizer:
    """Build a tokenizer of the given level from the training text."""
    if level == "char":
        return CharTokenizer.train(text)
    if level in ("word", "bpe"):
        return HFTokenizerAdapter.train(level, text, vocab_size or DEFAULT_VOCAB[level])
    raise ValueError(f"unknown level {level!r}: choose one of {', '.join(LEVELS)}")


def tokenizer_from_dict(data: dict[str, Any]) -> Tokenizer:
    if data.get(EOD_KEY):
        return DocumentTokenizer(tokenizer_from_dict({k: v for k, v in data.items() if k != EOD_KEY}))
    level = data.get("level")
    if level == "char":
        return CharTokenizer(list(data["chars"]))
    if level in ("word", "bpe"):
        return HFTokenizerAdapter(level, HFTokenizer.from_str(json.dumps(data["hf"])))
    raise ValueError(f"unknown tokenizer level {level!r}")


def word_pieces(text: str) -> list[str]:
    """The pieces the word tokenizer cuts text into, before its vocabulary maps them to ids."""
    return _WORDS.findall(text)


def vocabulary_size_estimate(level: str, text: str) -> int:
    """Cheap vocabulary count for previews, without training a tokenizer."""
    if level == "char":
        return len(set(text)) + 1
    if level == "word":
        counts = Counter(word_pieces(text))
        return 1 + min(DEFAULT_VOCAB["word"], sum(1 for c in counts.values() if c >= 2))
    return DEFAULT_VOCAB["bpe"]
