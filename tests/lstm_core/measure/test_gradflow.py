from __future__ import annotations

import pytest
import torch

from lstm_core.config import ModelConfig
from lstm_core.measure.gradflow import WARMUP, gradient_norms, measure_gradient_flow, text_windows
from lstm_core.measure.throughput import measure_throughput
from lstm_core.model import LanguageModel


def _model(cell: str, scale: float | None = None) -> LanguageModel:
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=20, cell=cell, hidden=24, embed=8))
    if scale is not None:
        with torch.no_grad():
            model.rnn.weight_hh_l0.normal_(0.0, scale / 24**0.5)  # spectral radius about `scale`
    return model


def test_norms_cover_every_k_and_are_finite() -> None:
    windows = torch.randint(0, 20, (3, 61))
    norms = gradient_norms(_model("lstm"), windows, max_k=40)
    assert list(norms) == list(range(1, 41))
    assert all(v >= 0 and v == v for v in norms.values())


def test_too_short_windows_are_refused() -> None:
    with pytest.raises(ValueError):
        gradient_norms(_model("rnn"), torch.randint(0, 20, (2, 30)), max_k=40)


def test_a_small_weight_rnn_vanishes_by_orders_of_magnitude() -> None:
    ids = torch.randint(0, 20, (2000,), generator=torch.Generator().manual_seed(1)).tolist()
    norms = measure_gradient_flow(_model("rnn", scale=0.5), ids, max_k=60, windows=4)
    assert norms[50] < 1e-6 * norms[1]


def test_an_lstm_with_open_forget_gates_keeps_more_gradient_than_the_rnn() -> None:
    ids = torch.randint(0, 20, (2000,), generator=torch.Generator().manual_seed(1)).tolist()
    lstm = _model("lstm")
    with torch.no_grad():
        lstm.rnn.bias_ih_l0[24:48].fill_(5.0)  # forget gate ≈ 0.99: the conveyor belt is on
    lstm_norms = measure_gradient_flow(lstm, ids, max_k=50, windows=4)
    rnn_norms = measure_gradient_flow(_model("rnn", scale=0.5), ids, max_k=50, windows=4)
    assert lstm_norms[50] / lstm_norms[1] > 1e3 * rnn_norms[50] / rnn_norms[1]


def test_windows_are_evenly_spaced_and_whole() -> None:
    windows = text_windows(list(range(100)), count=3, length=10)
    assert windows[:, 0].tolist() == [0, 45, 90]
    assert windows.shape == (3, 10)
    assert WARMUP > 0


def test_throughput_reports_every_path() -> None:
    result = measure_throughput(_model("lstm"), steps=16, batch=4, repeats=1)
    figures = result.to_dict()
    assert figures["cell"] == "lstm" and figures["batch"] == 4
    assert min(result.explicit_tokens_per_s, result.fused_tokens_per_s, result.fused_batch_tokens_per_s) > 0
