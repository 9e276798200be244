"""Arbitrary bytes into every reader: only the documented errors come out, quickly."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_core.sampling import SamplingSettings, generate
from lstm_core.tokenizers import LEVELS, decode, train_tokenizer
from training.checkpoints.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from training.checkpoints.run_meta import RunMeta
from training.data.corpus import CorpusError, load_corpus
from training.demo.tiny import tiny_model

FAST = settings(max_examples=40, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
BASE_TEXT = "The quick brown fox jumps over the lazy dog. Привет! 日本語 — ok?\n" * 20


@FAST
@given(st.binary(max_size=4096))
def test_corpus_reader_takes_any_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.txt"
        path.write_bytes(data)
        try:
            corpus = load_corpus([path], min_chars=1)
        except CorpusError as err:
            assert str(path) in str(err) or path.name in str(err)
        else:
            assert isinstance(corpus.text, str) and "\r" not in corpus.text


@pytest.fixture(scope="module")
def tokenizers() -> dict:
    return {level: train_tokenizer(level, BASE_TEXT) for level in LEVELS}


@FAST
@given(text=st.text(max_size=300))
def test_tokenizers_encode_any_text_and_decode_what_they_know(tokenizers: dict, text: str) -> None:
    for level, tokenizer in tokenizers.items():
        ids = tokenizer.encode(text)
        assert all(0 <= i < tokenizer.vocab_size for i in ids)
        if level == "bpe":  # byte-level: nothing is unknown, so the text comes back exactly
            assert decode(tokenizer, ids) == text.encode("utf-8", "replace").decode("utf-8")


@FAST
@given(st.text(min_size=1, max_size=200).filter(lambda t: t.strip()))
def test_training_a_tokenizer_on_any_text_works(text: str) -> None:
    for level in LEVELS:
        tokenizer = train_tokenizer(level, text)
        # A word level on text where no word repeats knows only <unk>: the run refuses it.
        assert tokenizer.vocab_size >= (1 if level == "word" else 2)
        assert all(0 <= i < tokenizer.vocab_size for i in tokenizer.encode(text))


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    tok = train_tokenizer("char", BASE_TEXT)
    path = save_checkpoint(
        tmp_path_factory.mktemp("ckpt") / "run",
        model=tiny_model(tok.vocab_size),
        tokenizer=tok,
        meta=RunMeta(),
    )
    return path.read_bytes()


@FAST
@given(data=st.data())
def test_checkpoint_loader_refuses_damaged_files_cleanly(
    checkpoint_bytes: bytes, data: st.DataObject
) -> None:
    damaged = bytearray(checkpoint_bytes)
    how = data.draw(st.sampled_from(["flip", "cut", "garbage"]))
    if how == "flip":
        for index in data.draw(st.lists(st.integers(0, len(damaged) - 1), min_size=1, max_size=8)):
            damaged[index] ^= data.draw(st.integers(1, 255))
    elif how == "cut":
        damaged = damaged[: data.draw(st.integers(0, len(damaged) - 1))]
    else:
        damaged = bytearray(data.draw(st.binary(max_size=2048)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.safetensors"
        path.write_bytes(bytes(damaged))
        try:
            loaded = load_checkpoint(path)
        except CheckpointError:
            return
        # A flip in padding can leave a file that still reads: then it must be the whole model.
        assert loaded.meta.model is not None


@pytest.fixture(scope="module")
def char_model() -> tuple:
    tok = train_tokenizer("char", BASE_TEXT)
    return tiny_model(tok.vocab_size).eval(), tok


@FAST
@given(prompt=st.text(max_size=200))
def test_any_prompt_generates(char_model: tuple, prompt: str) -> None:
    model, tok = char_model
    text = "".join(generate(model, tok, prompt, SamplingSettings(max_tokens=5, seed=0)))
    assert isinstance(text, str)
