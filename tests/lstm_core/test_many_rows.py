"""The batched step over many rows: its doubled layout is exact, and its state moves to the
few-rows step and back without losing a bit."""

from __future__ import annotations

import pytest
import torch

from lstm_core import LanguageModel, ModelConfig
from lstm_core.batch_stepper import FastBatchStepper, FusedBatchStepper
from lstm_core.int8_weights import int8_available, range_columns
from lstm_core.step_many_rows import ManyRows
from lstm_core.step_rows import StepRows
from lstm_core.step_weights import step_weights
from lstm_core.stepper import FastStepper

KINDS = [False, pytest.param(True, marks=pytest.mark.skipif(not int8_available(), reason="no int8"))]


def _model(cell: str, hidden: int = 64) -> LanguageModel:
    torch.manual_seed(3)
    return LanguageModel(ModelConfig(vocab_size=50, cell=cell, layers=2, hidden=hidden, embed=32)).eval()


@pytest.mark.parametrize("int8", KINDS)
@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_the_doubled_layout_is_the_usual_one_times_two_to_the_last_bit(cell: str, int8: bool) -> None:
    model = _model(cell)
    usual, doubled = step_weights(model, int8=int8), step_weights(model, int8=int8, doubled=True)
    assert torch.equal(doubled.input_table, usual.input_table * 2)
    x = torch.rand(40, model.config.hidden) * 2 - 1
    x = torch.cat([x, range_columns(40)], dim=1) if int8 else x
    gates, top = usual.gates, len(usual.products) - 1
    for layer, (plain, twice) in enumerate(zip(usual.products, doubled.products, strict=True)):
        a, b = plain(x), twice(x)
        assert torch.equal(b[:, :gates], a[:, :gates] * 2)  # this layer's W_hh · h
        # the layer above's input doubles too; the output head keeps its scale: the same logits
        above = a[:, gates:] if layer == top else a[:, gates:] * 2
        assert torch.equal(b[:, gates:], above)
    assert step_weights(model, int8=int8, doubled=True) is doubled  # kept, as the usual one


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
@torch.no_grad()
def test_a_state_goes_to_many_rows_and_back_unchanged(cell: str) -> None:
    model = _model(cell)
    fast = FastStepper(model)
    out = model(torch.tensor([[1, 2, 3, 4]]))
    few = fast.rows_from(out.state, 6)
    fast.advance(fast.input_table[torch.tensor([5, 6, 7, 8, 9, 10])], few)  # rows that differ
    back = ManyRows.from_few(few).few_rows()
    assert isinstance(back, StepRows)
    for a, b in zip(few.h + few.c, back.h + back.c, strict=True):
        assert torch.equal(a, b)
    for p, q in zip(few.pending, back.pending, strict=True):
        assert (p == q).all()


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_a_batch_that_shrinks_to_a_few_rows_keeps_to_the_fused_kernel(cell: str) -> None:
    """40 rows × 256 gate values step in torch; after a reorder to 6 rows, in numpy."""
    model = _model(cell, hidden=256 if cell == "lstm" else 1024)
    fast, fused = FastBatchStepper(model), FusedBatchStepper(model)
    ids = [1, 2, 3, 4, 5]
    worst = (fast.prefill(ids, 40) - fused.prefill(ids, 40)).abs().max().item()
    assert isinstance(fast.state, ManyRows)
    tokens = torch.arange(40) % 50
    for k in range(16):
        if k == 8:  # most rows ended: the batch goes on with six of them
            keep = torch.tensor([3, 9, 17, 22, 30, 39])
            fast.reorder(keep)
            fused.reorder(keep)
            tokens = tokens[keep]
            assert isinstance(fast.state, StepRows) and fast.rows == 6
        a, b = fast.step(tokens), fused.step(tokens)
        worst = max(worst, (a - b).abs().max().item())
        tokens = a.argmax(dim=1)
    assert worst <= 1e-5
    assert not torch.allclose(a[0], a[1])  # the rows did go their own ways
