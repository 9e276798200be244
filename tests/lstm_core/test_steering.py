from __future__ import annotations

import pytest
import torch

from lstm_core import LanguageModel, ModelConfig
from lstm_core.cells import lstm_step, rnn_step
from lstm_core.measure.steering import Clamp, ClampedStepper
from lstm_core.sampling import SamplingSettings, generate
from lstm_core.stepper import FusedStepper
from lstm_core.tokenizers import CharTokenizer


def _model(cell: str, layers: int = 1) -> LanguageModel:
    torch.manual_seed(0)
    return LanguageModel(ModelConfig(vocab_size=20, cell=cell, layers=layers, hidden=16, embed=8)).eval()


def test_parse_and_check() -> None:
    assert Clamp.parse("0:17=1.5") == Clamp(0, 17, 1.5)
    assert Clamp.parse(" 1 : 2 = -3e-1 ") == Clamp(1, 2, -0.3)
    for bad in ("0:17", "a:1=2", "0:1=x", "-1:2=3"):
        with pytest.raises(ValueError, match="LAYER:UNIT=VALUE"):
            Clamp.parse(bad)
    with pytest.raises(ValueError, match="1 layer"):
        ClampedStepper(_model("lstm"), [Clamp(1, 0, 1.0)])
    with pytest.raises(ValueError, match="16 units"):
        ClampedStepper(_model("lstm"), [Clamp(0, 16, 1.0)])


@pytest.mark.parametrize("cell", ["lstm", "rnn", "gru", "mingru"])
def test_no_clamp_is_the_model_itself(cell: str) -> None:
    model = _model(cell, layers=2)
    ids = torch.randint(0, 20, (40,)).tolist()
    a, b = ClampedStepper(model, []), FusedStepper(model)
    worst = (a.prefill(ids[:10]) - b.prefill(ids[:10])).abs().max().item()
    for token in ids[10:]:
        worst = max(worst, (a.step(token) - b.step(token)).abs().max().item())
    assert worst <= 1e-5


def test_an_lstm_clamp_acts_where_and_how_the_equations_say() -> None:
    model = _model("lstm")
    ids = [3, 1, 4, 1, 5, 9, 2, 6]
    unit, value = 5, 2.0
    free = FusedStepper(model)
    free.prefill(ids[:-1])
    (h0,), (c0,) = (free.state[0], free.state[1])  # the state before the last prompt token
    weights = model.layer_weights(0)
    x = model.embedding.weight[ids[-1] : ids[-1] + 1]
    step = lstm_step(x, h0, c0, *weights)
    c = step.c.clone()
    c[0, unit] = value
    h = step.output * torch.tanh(c)  # the notes' last equation, on the clamped C
    clamped = ClampedStepper(model, [Clamp(0, unit, value)])
    logits = clamped.prefill(ids)
    assert (logits - model.head(h)[0]).abs().max().item() <= 1e-5
    # Only the clamped unit of h moved, by o · (tanh(v) − tanh(C)); every other unit is untouched.
    moved = (clamped.h[0] - step.h).abs()[0]
    assert moved[unit].item() == pytest.approx(
        (step.output[0, unit] * (torch.tanh(torch.tensor(value)) - torch.tanh(step.c[0, unit]))).abs().item(),
        abs=1e-6,
    )
    assert moved[torch.arange(16) != unit].max().item() == 0.0
    # The next step reads the clamped state, and holds the unit again.
    nxt = clamped.step(7)
    again = lstm_step(model.embedding.weight[7:8], h, c, *weights)
    c2 = again.c.clone()
    c2[0, unit] = value
    assert (nxt - model.head(again.output * torch.tanh(c2))[0]).abs().max().item() <= 1e-5


def test_an_rnn_clamp_holds_h() -> None:
    model = _model("rnn")
    clamped = ClampedStepper(model, [Clamp(0, 3, -0.5)])
    logits = clamped.prefill([1, 2])
    h = rnn_step(model.embedding.weight[2:3], clamped.h[0] * 0 + _rnn_h(model, [1]), *model.layer_weights(0))
    h[0, 3] = -0.5
    assert (logits - model.head(h)[0]).abs().max().item() <= 1e-5
    assert clamped.h[0][0, 3].item() == -0.5


def _rnn_h(model: LanguageModel, ids: list[int]) -> torch.Tensor:
    return model(torch.tensor([ids])).state[0]


def test_a_clamp_changes_generated_text() -> None:
    tokenizer = CharTokenizer.train("abcdefghijklmnopqrs")
    model = _model("lstm")
    settings = SamplingSettings(max_tokens=30, greedy=True)
    free = "".join(generate(model, tokenizer, "abc", settings))
    clamps = [Clamp(0, unit, 5.0) for unit in range(0, 16, 2)]
    held = "".join(generate(model, tokenizer, "abc", settings, stepper=ClampedStepper(model, clamps)))
    same = "".join(generate(model, tokenizer, "abc", settings, stepper=ClampedStepper(model, [])))
    assert same == free and held != free
