from __future__ import annotations

import pytest
import torch

from lstm_core import LanguageModel, ModelConfig
from lstm_core.batch_stepper import FastBatchStepper, FusedBatchStepper
from lstm_core.cells import lstm_step
from lstm_core.stepper import FastStepper, FusedStepper


@pytest.mark.parametrize("cell", ["lstm", "rnn", "gru"])
def test_explicit_cells_match_fused_kernel(cell: str) -> None:
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=40, cell=cell, layers=2, hidden=48, embed=24)).eval()
    idx = torch.randint(0, 40, (2, 120))
    fused = model(idx)
    explicit = model.inspect(idx)
    assert (fused.logits - explicit.logits).abs().max().item() <= 1e-5
    fused_state = fused.state if cell != "lstm" else torch.cat(fused.state)
    explicit_state = explicit.state if cell != "lstm" else torch.cat(explicit.state)
    assert (fused_state - explicit_state).abs().max().item() <= 1e-5
    assert len(explicit.layers) == 2 and explicit.layers[1].h.shape == (2, 120, 48)


def test_inspection_returns_lstm_gates_in_range() -> None:
    torch.manual_seed(1)
    model = LanguageModel(ModelConfig(vocab_size=30, cell="lstm", hidden=16, embed=8)).eval()
    trace = model.inspect(torch.randint(0, 30, (1, 50))).layers[0]
    for gate in (trace.forget, trace.input, trace.output):
        assert gate.shape == (1, 50, 16)
        assert gate.min().item() >= 0.0 and gate.max().item() <= 1.0
    assert trace.candidate.abs().max().item() <= 1.0
    # h = o * tanh(C), per the notes
    assert torch.allclose(trace.h, trace.output * torch.tanh(trace.c), atol=1e-6)


def test_lstm_step_is_the_six_equations() -> None:
    torch.manual_seed(2)
    x, h, c = torch.randn(3, 5), torch.randn(3, 4), torch.randn(3, 4)
    w_ih, w_hh, b_ih, b_hh = torch.randn(16, 5), torch.randn(16, 4), torch.randn(16), torch.randn(16)
    step = lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh)
    w = torch.cat([w_hh, w_ih], dim=1)  # W · [h, x]
    z = torch.cat([h, x], dim=1) @ w.T + b_ih + b_hh
    i, f, o = torch.sigmoid(z[:, :4]), torch.sigmoid(z[:, 4:8]), torch.sigmoid(z[:, 12:])
    g = torch.tanh(z[:, 8:12])
    assert torch.allclose(step.c, f * c + i * g, atol=1e-6)
    assert torch.allclose(step.h, o * torch.tanh(f * c + i * g), atol=1e-6)


@pytest.mark.parametrize(("cell", "layers"), [("lstm", 2), ("rnn", 2), ("lstm", 1), ("lstm", 3), ("rnn", 3)])
def test_fast_stepper_matches_fused_kernel_over_many_steps(cell: str, layers: int) -> None:
    torch.manual_seed(3)
    model = LanguageModel(ModelConfig(vocab_size=50, cell=cell, layers=layers, hidden=64, embed=32)).eval()
    fast, fused = FastStepper(model), FusedStepper(model)
    ids = torch.randint(0, 50, (150,)).tolist()
    a, b = fast.prefill(ids[:20]), fused.prefill(ids[:20])
    worst = (a - b).abs().max().item()
    for token in ids[20:]:
        a, b = fast.step(token), fused.step(token)
        worst = max(worst, (a - b).abs().max().item())
    assert worst <= 1e-5


def test_long_prompt_prefill_stays_close_to_float32() -> None:
    torch.manual_seed(4)
    model = LanguageModel(ModelConfig(vocab_size=50, layers=2, hidden=64, embed=32)).eval()
    ids = torch.randint(0, 50, (300,)).tolist()
    exact = torch.softmax(model(torch.tensor([ids])).logits[0, -1], dim=-1)
    primed = torch.softmax(FastStepper(model).prefill(ids), dim=-1)
    assert (exact - primed).abs().max().item() < 0.02  # bf16 priming moves probabilities very little


@pytest.mark.parametrize("rows", [4, 40])  # 40 × 256 gate values: the many-rows step
def test_fast_batch_stepper_matches_fused_kernel_through_reorders(rows: int) -> None:
    """Beam search reorders rows between steps: every part of the fast state moves with them."""
    torch.manual_seed(8)
    model = LanguageModel(ModelConfig(vocab_size=50, layers=2, hidden=64, embed=32)).eval()
    fast, fused = FastBatchStepper(model), FusedBatchStepper(model)
    ids = torch.randint(0, 50, (12,)).tolist()
    a, b = fast.prefill(ids, rows), fused.prefill(ids, rows)
    worst = (a - b).abs().max().item()
    for k in range(30):
        tokens = torch.randint(0, 50, (rows,))
        a, b = fast.step(tokens), fused.step(tokens)
        worst = max(worst, (a - b).abs().max().item())
        if k % 4 == 3:
            survivors = torch.randint(0, rows, (rows,))
            fast.reorder(survivors)
            fused.reorder(survivors)
    assert worst <= 1e-5
    assert not torch.allclose(a[0], a[1])  # the rows did go their own ways
