"""Int8 step weights: close to float32, and a row's result independent of the batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from lstm_core import LanguageModel, ModelConfig, int8_weights
from lstm_core.batch_sampling import generate_samples
from lstm_core.batch_stepper import make_batch_stepper
from lstm_core.int8_weights import INPUT_SCALE, INPUT_ZERO_POINT, Int8Linear, int8_available
from lstm_core.sampling import SamplingSettings, generate, prompt_ids
from lstm_core.stepper import FastStepper, make_stepper, use_int8
from lstm_core.tokenizers import CharTokenizer
from training.checkpoints.checkpoint import load_model

pytestmark = pytest.mark.skipif(not int8_available(), reason="no quantized CPU engine in this torch")

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo"


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_int8_steps_stay_within_the_stated_tolerance_of_float32(cell: str) -> None:
    """Along the float32 model's greedy path over 500 tokens of the shipped demo model:
    per-token KL(float32 ‖ int8) at most 1e-3 on average and 2e-2 at worst, and the top
    choice differs only where float32's two best are within 0.01 of probability."""
    model, tok, _ = load_model(DEMO / cell)
    exact, compact = FastStepper(model), FastStepper(model, int8=True)
    ids = prompt_ids(tok, "The ")
    a, b = exact.prefill(ids), compact.prefill(ids)
    kls = []
    for _ in range(500):
        pa, pb = torch.log_softmax(a.double(), -1), torch.log_softmax(b.double(), -1)
        kls.append(float((pa.exp() * (pa - pb)).sum()))
        token = int(a.argmax())
        if int(b.argmax()) != token:
            best, second = pa.exp().topk(2).values.tolist()
            assert best - second < 0.01
        a, b = exact.step(token), compact.step(token)
    assert np.mean(kls) <= 1e-3 and max(kls) <= 2e-2
    assert compact.weight_bytes() < exact.weight_bytes() / 3


def test_the_fixed_input_grid_is_the_one_the_dynamic_kernels_choose_for_inputs_in_minus_1_to_1() -> None:
    """So a product's result is what torch's dynamic int8 linear gives an input whose values
    span [-1, 1], bit for bit, and it is the same grid on every row and every step."""
    torch.manual_seed(3)
    weight, bias = torch.randn(300, 64), torch.randn(300)
    ours = Int8Linear(weight, bias)
    x = torch.rand(7, 64) * 2 - 1
    x[0, :2] = torch.tensor([-1.0, 1.0])  # the span the dynamic kernels then see
    dynamic = torch.ops.quantized.linear_dynamic(x, ours.packed, True)  # 7-bit, as ours
    assert torch.equal(ours(x), dynamic)
    ends = torch.tensor([-1.0, 0.0, 1.0])
    codes = torch.quantize_per_tensor(ends, INPUT_SCALE, INPUT_ZERO_POINT, torch.quint8)
    assert codes.int_repr().tolist() == [0, 64, 128]  # 2 · 128 · 127 fits the kernels' 16-bit pair sums
    assert torch.equal(ours(x[3:4]), ours(x)[3:4])  # a row's result whatever the other rows


def test_a_product_does_not_ask_its_packed_weight_for_torch_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """The packed weight answers that question by throwing and catching a C++ exception,
    which cost more than a small product's arithmetic (docs/benchmarks.md)."""
    product = Int8Linear(torch.randn(8, 16), None)
    packed_type = type(product.packed)
    answer = packed_type.__getattr__
    asked: list[str] = []

    def spy(packed: object, name: str) -> object:
        asked.append(name)
        return answer(packed, name)

    monkeypatch.setattr(packed_type, "__getattr__", spy)
    x = torch.rand(1, 16)
    product(x)
    assert "__torch_function__" not in asked
    product._linear(x, INPUT_SCALE, INPUT_ZERO_POINT, product.packed)  # an unguarded call asks
    assert "__torch_function__" in asked


def test_a_torch_without_the_fixed_grid_product_generates_in_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise AttributeError("no such op")

    monkeypatch.setattr(int8_weights, "_fixed_grid_linear", missing)
    int8_available.cache_clear()
    try:
        assert not int8_available()
        model = _model(2, 512)
        assert not use_int8(model)
        stepper = make_stepper(model)
        assert stepper.int8 is False  # type: ignore[attr-defined]
        stepper.prefill([1, 2])
        assert torch.isfinite(stepper.step(3)).all()
    finally:
        int8_available.cache_clear()


def _model(layers: int, hidden: int) -> LanguageModel:
    torch.manual_seed(5)
    return LanguageModel(ModelConfig(vocab_size=40, layers=layers, hidden=hidden, embed=32)).eval()


def test_int8_is_chosen_for_models_big_enough_to_gain() -> None:
    assert not use_int8(_model(1, 64)) and not use_int8(_model(2, 256))
    assert use_int8(_model(2, 512))
    assert make_stepper(_model(2, 512)).int8 is True  # type: ignore[attr-defined]
    assert make_stepper(_model(2, 512), int8=False).int8 is False  # type: ignore[attr-defined]


# 40 rows × 1,024 gate values: the many-rows step. A hidden size of 210 makes rows (840 gate
# values, 210 cell values) that are not whole vector blocks of torch's sigmoid.
@pytest.mark.parametrize("rows", [6, 40])
@pytest.mark.parametrize("hidden", [256, 210])
def test_a_rows_int8_result_is_the_single_runs_to_the_last_bit(rows: int, hidden: int) -> None:
    """Whatever the other rows do, and as rows leave the batch (40, then 36, then 6: the
    many-rows step hands over to the few-rows one)."""
    model = _model(2, hidden)
    stepper = make_batch_stepper(model, int8=True)
    single = FastStepper(model, int8=True)
    ids = [1, 2, 3, 4]
    stepper.prefill(ids, rows)
    single.prefill(ids)
    tokens = torch.arange(rows) % 37
    for k in range(24):
        tokens[0] = tokens[2] = 5
        if k in (8, 16) and stepper.rows > 6:
            keep = torch.arange(stepper.rows - 4) if k == 8 else torch.tensor([0, 1, 2, 3, 9, 11])
            stepper.reorder(keep)
            tokens = tokens[keep]
        logits = stepper.step(tokens)
        alone = single.step(5)
        assert torch.equal(logits[0], alone) and torch.equal(logits[2], alone)
        # the state too: int8 inputs would hide a last-bit drift from the logits for a while
        assert stepper.state is not None and single.state is not None
        mine_all, its_all = stepper.state.h + stepper.state.c2, single.state.h + single.state.c2
        for mine, its in zip(mine_all, its_all, strict=True):
            assert torch.equal(mine[0], its[0]) and torch.equal(mine[2], its[0])
        tokens = logits.argmax(dim=1)
    assert stepper.rows == 6


@pytest.mark.parametrize("count", [4, 40])
def test_int8_samples_of_a_batch_are_the_single_runs(count: int) -> None:
    tok = CharTokenizer(list("abcdefghijklmnopqrstuvwxyz .,\n"))
    torch.manual_seed(6)
    model = LanguageModel(ModelConfig(vocab_size=tok.vocab_size, layers=2, hidden=256, embed=32)).eval()
    settings = SamplingSettings(max_tokens=60, seed=11)
    stepper = make_batch_stepper(model, int8=True)
    samples = generate_samples(model, tok, "the ", settings, count, stepper=stepper)
    for s in samples:
        single = SamplingSettings(max_tokens=60, seed=s.seed)
        alone = "".join(generate(model, tok, "the ", single, stepper=make_stepper(model, int8=True)))
        assert s.text == alone


def test_the_step_weights_are_laid_out_once_and_again_after_the_model_changes() -> None:
    model = _model(2, 256)
    first = FastStepper(model, int8=True)
    assert FastStepper(model, int8=True).products is first.products  # reused
    assert FastStepper(model, int8=False).products is not first.products  # the other kind: its own
    ids = [1, 2, 3]
    before = FastStepper(model, int8=False)
    before.prefill(ids)
    old = before.step(4)
    with torch.no_grad():
        model.head.bias.add_(1.0)  # an in-place change, as an optimizer step makes
    after = FastStepper(model, int8=False)
    after.prefill(ids)
    assert torch.allclose(after.step(4), old + 1.0, atol=1e-5)


@pytest.mark.parametrize("int8", [False, True])
def test_a_step_records_no_graph_for_a_model_that_requires_grad(int8: bool) -> None:
    """The step runs outside torch.no_grad (entering it costs at every token): nothing it
    reads may carry the parameters' requires_grad into its logits."""
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=20, layers=2, hidden=32, embed=8)).eval()
    assert all(p.requires_grad for p in model.parameters())
    stepper = FastStepper(model, int8=int8)
    stepper.prefill([1, 2, 3])
    logits = stepper.step(4)
    assert not logits.requires_grad and logits.grad_fn is None
    for rows in (4, 1200):  # the few-rows step and the many-rows one
        batch = make_batch_stepper(model, int8=int8)
        batch.prefill([1, 2, 3], rows)
        logits = batch.step(torch.arange(rows) % 20)
        assert not logits.requires_grad and logits.grad_fn is None
