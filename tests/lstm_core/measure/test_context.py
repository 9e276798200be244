from __future__ import annotations

import math
import random

import pytest
import torch

from lstm_core import LanguageModel, ModelConfig
from lstm_core.measure.context import (
    MeasurementStopped,
    context_used,
    describe_context,
    measure_context,
    usable_ks,
)

LAG = 40  # the copy task: each token repeats the one LAG positions earlier


def shift_register_rnn(lag: int = LAG) -> LanguageModel:
    """A vanilla RNN built by hand to predict token t+1 as token t+1-lag, and nothing else.

    Two tokens, embedded as -1 and +1. Unit 0 takes the current token, unit j the value
    unit j-1 held a step earlier (tanh of 10 x keeps ±1 at ±1), so unit lag-1 holds the
    token lag-1 steps back: exactly what the next token copies. From a fresh zero state
    that unit is 0 until lag tokens have been read, and the head says 50/50.
    """
    model = LanguageModel(ModelConfig(vocab_size=2, cell="rnn", hidden=lag, embed=1))
    w_ih, w_hh, _, _ = model.layer_weights(0)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.embedding.weight.copy_(torch.tensor([[-1.0], [1.0]]))
        w_ih[0, 0] = 10.0
        w_hh.copy_(torch.diag(torch.full((lag - 1,), 10.0), diagonal=-1))
        model.head.weight[0, lag - 1] = -10.0
        model.head.weight[1, lag - 1] = 10.0
    return model.eval()


def copy_text(tokens: int, lag: int = LAG, seed: int = 0) -> list[int]:
    rng = random.Random(seed)
    period = [rng.randrange(2) for _ in range(lag)]
    return [period[i % lag] for i in range(tokens)]


def test_the_copy_task_needs_exactly_lag_tokens() -> None:
    model = shift_register_rnn()
    ids = copy_text(1200)
    curve = measure_context(model, ids, ks=(1, 10, LAG - 1, LAG, 100, 500), scored=200)
    assert curve.full < 1e-3  # with the whole past, every token is known
    for k in (1, 10, LAG - 1):
        assert curve.losses[k] == pytest.approx(math.log(2), abs=1e-3)  # a coin toss
    for k in (LAG, 100, 500):
        assert curve.losses[k] < 1e-3
    assert curve.uses == LAG
    assert curve.scored == 200


def test_default_ks_and_the_sentence() -> None:
    curve = measure_context(shift_register_rnn(), copy_text(800), scored=100)
    assert list(curve.losses) == [1, 2, 5, 10, 20, 50, 100, 200, 500]  # 1000 does not fit 800 tokens
    assert curve.uses == 50  # the first standard k at or past the lag
    assert "uses about 50 tokens" in describe_context([curve])


def test_capping_and_definitions() -> None:
    assert usable_ks(10_000) == [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
    assert usable_ks(300, scored=100) == [1, 2, 5, 10, 20, 50, 100]
    assert usable_ks(2) == []
    assert context_used({1: 2.0, 5: 1.5, 10: 1.01}, 1.0) == 10
    assert context_used({1: 2.0, 5: 1.5}, 1.0) is None
    with pytest.raises(ValueError, match="too few"):
        measure_context(shift_register_rnn(), [0, 1])


def test_progress_and_stop() -> None:
    seen: list[float] = []
    measure_context(shift_register_rnn(), copy_text(400), scored=50, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    with pytest.raises(MeasurementStopped):
        measure_context(shift_register_rnn(), copy_text(400), scored=50, stop=lambda: True)


@pytest.mark.parametrize("cell", ["lstm", "gru", "mingru"])
def test_every_cell_is_measured_on_the_same_positions(cell: str) -> None:
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=5, cell=cell, hidden=16, embed=8))
    ids = torch.randint(0, 5, (600,)).tolist()
    curve = measure_context(model, ids, ks=(1, 10, 200), scored=64)
    assert set(curve.losses) == {1, 10, 200} and curve.scored == 64
    assert all(math.isfinite(v) for v in (*curve.losses.values(), curve.full))
