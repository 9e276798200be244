"""The Explain page's figures measure the text they are given and say so, claim by claim."""

from __future__ import annotations

import pytest

from lstm_core.measure.explain import EXPLODE_FACTOR, explain_models
from lstm_core.measure.gradflow import gradient_flow, scaled_recurrence
from lstm_core.tokenizers import CharTokenizer
from training.demo.tiny import tiny_model

TEXT = "".join(f'def f{i % 11}(x):\n    return g{i % 11}(x) + "{i % 7}"\n' for i in range(60))


class _Loaded:
    def __init__(self, cell: str, tokenizer: CharTokenizer) -> None:
        self.model = tiny_model(tokenizer.vocab_size, cell=cell).eval()
        self.tokenizer = tokenizer


def test_every_claim_says_what_it_measured_on() -> None:
    tokenizer = CharTokenizer.train(TEXT)
    pair = {cell: _Loaded(cell, tokenizer) for cell in ("lstm", "rnn")}
    result = explain_models(pair, text=TEXT, clip={}, source="the end of notes.py", recall=True, max_k=30)
    assert result.probe == {}  # no planted facts given: no probe
    assert set(result.measured_on) == {"vanishing", "exploding", "long", "bottleneck", "memory"}
    assert "tokens of the end of notes.py" in result.measured_on["vanishing"]
    assert f"W_hh × {EXPLODE_FACTOR:g}" in result.measured_on["exploding"]
    long = result.measured_on["long"]
    assert long.startswith("recurrences in") and "notes.py" in long
    assert result.recall is not None
    assert [c.name for c in result.recall.curves] == ["lstm", "lstm", "rnn", "rnn"]
    assert result.explode is not None and list(result.gradflow["rnn"]) == list(range(1, 31))


def test_gradient_flow_names_its_text_and_scale() -> None:
    tokenizer = CharTokenizer.train(TEXT)
    rnn = tiny_model(tokenizer.vocab_size, cell="rnn")
    ids = tokenizer.encode(TEXT)
    plain = gradient_flow(rnn, ids, source="sixty lines", max_k=20, windows=2)
    grown = gradient_flow(rnn, ids, source="sixty lines", max_k=20, windows=2, scale=EXPLODE_FACTOR)
    assert plain.measured_on == f"2 windows of 37 tokens spread over {len(ids):,} tokens of sixty lines"
    assert grown.scale == EXPLODE_FACTOR and grown.kept(20) > plain.kept(20)
    assert grown.to_dict()["norms"]["20"] == grown.norms[20]
    with pytest.raises(ValueError, match="no recurrent weights"):
        scaled_recurrence(tiny_model(tokenizer.vocab_size, cell="mingru"), 2.0)
