from __future__ import annotations

import json

import pytest

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizer_api import BatchEncoder
from lstm_core.tokenizers import (
    StreamDecoder,
    decode,
    tokenizer_from_dict,
    train_tokenizer,
)
from tests.conftest import make_text

TEXT = make_text(3000) + "Ünïcödé ✓ 日本語 text.\n" * 3


@pytest.mark.parametrize("level", ["char", "word", "bpe"])
def test_round_trip_and_serialisation(level: str) -> None:
    tok = train_tokenizer(level, TEXT)
    ids = tok.encode(TEXT)
    assert decode(tok, ids) == TEXT  # every word of TEXT occurs at least twice
    again = tokenizer_from_dict(json.loads(json.dumps(tok.to_dict())))
    assert again.encode(TEXT) == ids
    assert again.vocab_size == tok.vocab_size


def test_char_level_maps_unseen_characters_to_unk() -> None:
    tok = train_tokenizer("char", "abc abc abc")
    ids = tok.encode("abz")
    assert ids[2] == tok.unk_id == 0
    assert decode(tok, ids) == "ab\ufffd"


def test_word_level_maps_unseen_words_to_unk() -> None:
    tok = train_tokenizer("word", TEXT)
    ids = tok.encode("the cat zebroid")
    assert tok.unk_id in ids and ids[:2] == tok.encode("the cat")


def test_bpe_falls_back_to_bytes_for_unseen_characters() -> None:
    tok = train_tokenizer("bpe", TEXT)
    unseen = "Ωμέγα 🙂 ẞ"
    assert decode(tok, tok.encode(unseen)) == unseen
    assert tok.unk_id is None


def test_stream_decoder_never_splits_a_character() -> None:
    tok = train_tokenizer("bpe", TEXT)
    pieces = []
    decoder = StreamDecoder(tok)
    for token in tok.encode("🙂 日本"):
        pieces.append(decoder.feed(token))
    pieces.append(decoder.flush())
    assert "".join(pieces) == "🙂 日本"
    assert all("\ufffd" not in p for p in pieces)


def test_unknown_level_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown level"):
        train_tokenizer("sentence", TEXT)


@pytest.mark.parametrize("level", ["char", "word", "bpe"])
def test_documents_encode_as_each_one_alone_then_the_end_of_document_id(level: str) -> None:
    tok = train_tokenizer(level, TEXT)
    wrapped = DocumentTokenizer(tok)
    documents = TEXT.splitlines()[:50] * 100  # more than one batch for the tokenizers that batch
    expected = [i for doc in documents for i in (*tok.encode(doc), tok.vocab_size)]
    assert wrapped.encode_documents(documents) == expected
    assert isinstance(tok, BatchEncoder) == (level != "char")
    again = tokenizer_from_dict(json.loads(json.dumps(wrapped.to_dict())))
    assert isinstance(again, DocumentTokenizer) and again.eod_id == tok.vocab_size
