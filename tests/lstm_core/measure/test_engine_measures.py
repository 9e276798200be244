"""The engine's side of the window's pages, without Qt: corpus statistics, the Explain
page's figures, the gate trace, the demo probe set and the probe table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstm_core.measure.explain import EXPLODE_FACTOR, Explanations, explain_models, spectral_norm
from lstm_core.measure.gate_trace import GATE_VIEWS, trace_gates
from lstm_core.measure.probe import BucketScore, ProbeResult, balanced_cases, format_probe_table
from lstm_core.tokenizers import train_tokenizer, word_pieces
from training.data.corpus import load_corpus
from training.data.corpus_stats import corpus_stats, count_level, read_corpus
from training.demo.demo_corpus import corpus_text, demo_measure_text, demo_probe_cases, probe_cases
from training.demo.tiny import TINY_MODEL, tiny_model


class _Loaded:
    def __init__(self, cell: str, tokenizer) -> None:
        self.model = tiny_model(tokenizer.vocab_size, cell=cell).eval()
        self.tokenizer = tokenizer


@pytest.fixture(scope="module")
def pair() -> dict[str, _Loaded]:
    tokenizer = train_tokenizer("word", corpus_text(200, seed=0))
    return {cell: _Loaded(cell, tokenizer) for cell in ("lstm", "rnn")}


def test_corpus_stats_count_tokens_per_level(tmp_path: Path) -> None:
    text = "The cat sat. The cat ran!\nA dog sat.\n" * 50
    (tmp_path / "c.txt").write_text(text, encoding="utf-8")
    loaded = read_corpus((str(tmp_path / "c.txt"),), "char")
    assert loaded is not None
    assert loaded.stats.tokens == len(text) and loaded.stats.vocab_size == len(set(text)) + 1
    words = count_level(loaded.corpus, "word")
    assert words is not None
    assert words.tokens == len(word_pieces(text)) and not words.estimated
    assert "".join(word_pieces(text)) == text  # the word pieces cover the text exactly
    bpe = corpus_stats(load_corpus([tmp_path / "c.txt"]), "bpe")
    assert 0 < bpe.tokens < len(text) and bpe.vocab_size > 0 and not bpe.estimated


def test_explain_models_measures_every_claim(pair: dict[str, _Loaded]) -> None:
    cases = demo_probe_cases(2)
    result = explain_models(pair, cases=cases, text=demo_measure_text(), clip={"lstm": 1.0}, max_k=60)
    assert isinstance(result, Explanations)
    assert set(result.probe) == set(result.gradflow) == set(result.memory) == {"lstm", "rnn"}
    assert all(isinstance(b, BucketScore) for b in result.probe["rnn"])
    assert sum(b.n for b in result.probe["lstm"]) == len(cases)
    assert list(result.gradflow["lstm"]) == list(range(1, 61))
    assert result.explode is not None and list(result.explode) == list(range(1, 61))
    # Scaling W_hh up makes the far gradient relatively larger than in the RNN as it is.
    far = result.explode[50] / result.explode[1]
    assert far > result.gradflow["rnn"][50] / result.gradflow["rnn"][1]
    assert result.clip == {"lstm": 1.0, "rnn": None}
    assert result.memory["lstm"].forget_open is not None and result.memory["rnn"].forget_open is None
    assert result.throughput["lstm"].fused_tokens_per_s > 0
    assert result.spectral["rnn"] == pytest.approx(spectral_norm(pair["rnn"].model))
    assert EXPLODE_FACTOR > 1


def test_explain_without_an_rnn_has_no_explosion(pair: dict[str, _Loaded]) -> None:
    only = {"lstm": pair["lstm"]}
    result = explain_models(only, cases=demo_probe_cases(1), text=demo_measure_text(), clip={}, max_k=20)
    assert result.explode is None and set(result.probe) == {"lstm"} and result.clip == {"lstm": None}


def test_gate_trace_gives_arrays_per_view(pair: dict[str, _Loaded]) -> None:
    lstm, rnn = pair["lstm"], pair["rnn"]
    trace = trace_gates(lstm.model, lstm.tokenizer, "I grew up in India. I speak", continue_tokens=5)
    assert "".join(trace.tokens).startswith("I grew up in India. I speak")
    views = trace.views(0)
    assert set(views) == set(GATE_VIEWS)
    for name in GATE_VIEWS:
        assert isinstance(views[name], np.ndarray) and views[name].shape == (
            len(trace.tokens),
            TINY_MODEL["hidden"],
        )
    assert ((views["forget"] >= 0) & (views["forget"] <= 1)).all()
    assert trace.views(5) is trace.views(0)  # past the last layer: the last
    plain = trace_gates(rnn.model, rnn.tokenizer, "I speak", continue_tokens=3)
    assert set(plain.views(0)) == {"h"}


def test_gate_trace_inspects_a_bounded_window_before_the_caret(pair: dict[str, _Loaded]) -> None:
    from lstm_core.measure.gate_trace import TraceStopped, window_ids

    lstm = pair["lstm"]
    text = " ".join(["I grew up in India. The bus was late."] * 400)  # 15,199 characters
    trace = trace_gates(lstm.model, lstm.tokenizer, text, continue_tokens=4, max_tokens=40)
    assert len(trace.tokens) == 40 and trace.text_tokens == 36 and not trace.whole
    assert trace.end == len(text) == trace.text_chars and trace.start > len(text) - 40 * 16
    assert text.endswith("".join(trace.tokens[:36]))
    caret = text.index(".", 7600) + 1
    middle = trace_gates(lstm.model, lstm.tokenizer, text, caret=caret, continue_tokens=0, max_tokens=20)
    assert middle.end == caret and text[:caret].endswith("".join(middle.tokens))
    primer, window, start, end = window_ids(lstm.tokenizer, text, 0, 10)
    assert (
        primer == []
        and len(window) == 10
        and start == 0
        and text[:end] == "".join(lstm.tokenizer.token_bytes(i).decode() for i in window)
    )
    steps: list[float] = []
    with pytest.raises(TraceStopped):
        trace_gates(lstm.model, lstm.tokenizer, text, progress=steps.append, stop=lambda: bool(steps))


def test_demo_probe_cases_fill_every_bucket_from_the_held_out_seed() -> None:
    cases = demo_probe_cases(3)
    assert cases == balanced_cases(probe_cases(180, seed=10_000), 3)
    assert len(cases) == 3 * 7  # buckets 0, 50, ..., 300


def test_probe_table_has_a_row_per_model_and_the_case_counts() -> None:
    buckets = [BucketScore(0, 1.0, 4), BucketScore(50, 0.25, 4)]
    table = format_probe_table(
        [ProbeResult("lstm", "lstm", buckets), ProbeResult("rnn", "rnn", buckets[::-1])]
    )
    lines = table.splitlines()
    assert lines[0].split() == ["distance", "0", "50"]
    assert lines[1].split() == ["lstm", "100%", "25%"]
    assert lines[3].split() == ["cases", "4", "4"]
