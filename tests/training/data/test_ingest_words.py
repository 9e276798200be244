"""Word-level ids in numpy and the word vocabulary from counts: exactly what Hugging Face gives."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from tokenizers import Regex, models, pre_tokenizers, trainers
from tokenizers import Tokenizer as HFTokenizer

from lstm_core.tokenizers import _WORD_PATTERN, UNK, HFTokenizerAdapter, train_tokenizer
from training.data.ingest_words import WordIds

# ASCII classes at every edge of the rule (single and double spaces before words and
# punctuation, CR LF, tabs, vertical tab, NUL, the separator \x1c that regex engines disagree
# about), pieces of 8, 9, 16, 17, 24 and 25 bytes around the key's sizes, text past ASCII,
# and the special token written literally.
_ALPHABET = "ab_ 1 \n\r\t.(\x1c\x00\x0b<>unké😀 "
_PARTS = ["the", " cat", "  sat", ".", " (", "\r\n", "\r", "\t", "\x0b", " \x00", "x\x1cy", "é", " 日本"]
_PARTS += ["<unk>", " a<unk>b", "abcdefgh", " abcdefgh", "a" * 16, " " + "b" * 16, "c" * 24, " " + "d" * 24]


def _random_text(rng: random.Random, parts: list[str], count: int) -> str:
    return "".join(rng.choice(parts) for _ in range(count))


@pytest.mark.parametrize("source", ["characters", "parts"])
def test_numpy_word_ids_equal_the_tokenizers_own(source: str) -> None:
    rng = random.Random(7)
    pool = list(_ALPHABET) if source == "characters" else _PARTS
    tokenizer = train_tokenizer("word", _random_text(rng, pool, 20_000), vocab_size=120)
    assert isinstance(tokenizer, HFTokenizerAdapter)
    words = WordIds(tokenizer)
    for _ in range(400):
        text = _random_text(rng, pool, rng.randint(1, 80))
        if rng.random() < 0.5:  # plain ASCII: the path with no stretch for the tokenizer
            text = text.encode("ascii", "ignore").decode().replace("<unk>", "<u>")
        assert words.encode(text).tolist() == tokenizer.hf.encode(text).ids, repr(text)
    assert words.encode("").tolist() == []


def test_pieces_longer_than_a_key_are_found_by_name() -> None:
    long_word = "x" * 40
    tokenizer = train_tokenizer("word", f"{long_word} {long_word} y y\n" * 3, vocab_size=50)
    assert isinstance(tokenizer, HFTokenizerAdapter)
    ids = WordIds(tokenizer).encode(f"{long_word} {long_word}y")
    assert ids.tolist() == tokenizer.hf.encode(f"{long_word} {long_word}y").ids
    assert ids[0] != tokenizer.unk_id and ids[-1] == tokenizer.unk_id


@pytest.mark.parametrize("vocab_size", [3, 20, 300])
def test_word_vocabulary_from_counts_is_what_the_word_trainer_builds(vocab_size: int) -> None:
    rng = random.Random(vocab_size)
    text = _random_text(rng, list(_ALPHABET) + _PARTS, 6000)
    reference = HFTokenizer(models.WordLevel(unk_token=UNK))
    reference.pre_tokenizer = pre_tokenizers.Split(Regex(_WORD_PATTERN), behavior="isolated")
    trainer = trainers.WordLevelTrainer(
        vocab_size=vocab_size, min_frequency=2, special_tokens=[UNK], show_progress=False
    )
    reference.train_from_iterator([text], trainer=trainer)
    ours = train_tokenizer("word", text, vocab_size=vocab_size)
    assert json.loads(ours.hf.to_str()) == json.loads(reference.to_str())  # type: ignore[attr-defined]
    assert np.array_equal(WordIds(ours).encode(text), reference.encode(text).ids)  # type: ignore[arg-type]
