"""Fixtures shared by the model-level tests."""

from __future__ import annotations

import pytest

from lstm_core.tokenizers import train_tokenizer
from tests.conftest import make_text
from training.demo.tiny import tiny_model


@pytest.fixture(scope="module")
def models_and_tokenizer():
    """A tiny untrained char LSTM and vanilla RNN, and their tokenizer: a pair to compare."""
    tok = train_tokenizer("char", make_text(500))
    lstm = tiny_model(tok.vocab_size).eval()
    rnn = tiny_model(tok.vocab_size, cell="rnn").eval()
    return lstm, rnn, tok
