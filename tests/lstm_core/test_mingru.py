from __future__ import annotations

import torch

from lstm_core import LanguageModel, ModelConfig
from lstm_core.cells import mingru_step, positive_candidate
from lstm_core.mingru import scan
from lstm_core.stepper import make_stepper


def test_scan_equals_the_step_form_within_1e_5() -> None:
    torch.manual_seed(0)
    hidden, inputs, steps = 24, 10, 300  # several scan chunks, so the carried h is exercised
    w, b = torch.randn(2 * hidden, inputs), torch.randn(2 * hidden)
    x = torch.randn(3, steps, inputs)
    h0 = positive_candidate(torch.randn(3, hidden))
    h = h0
    stepped = []
    for t in range(steps):
        h = mingru_step(x[:, t], h, w, b).h
        stepped.append(h)
    scanned = scan(x @ w.T + b, h0)
    assert (scanned - torch.stack(stepped, dim=1)).abs().max().item() <= 1e-5


def test_step_is_the_three_equations() -> None:
    torch.manual_seed(1)
    x, h = torch.randn(2, 5), torch.rand(2, 4)
    w, b = torch.randn(8, 5), torch.randn(8)
    step = mingru_step(x, h, w, b)
    a = x @ w.T + b
    z = torch.sigmoid(a[:, :4])
    cand = torch.where(a[:, 4:] >= 0, a[:, 4:] + 0.5, torch.sigmoid(a[:, 4:]))
    assert torch.allclose(step.h, (1 - z) * h + z * cand, atol=1e-6)
    assert (step.candidate > 0).all()  # what lets the scan run in log space


def test_model_forward_matches_inspection_and_generation() -> None:
    torch.manual_seed(2)
    model = LanguageModel(ModelConfig(vocab_size=30, cell="mingru", layers=2, hidden=32, embed=16)).eval()
    idx = torch.randint(0, 30, (2, 150))
    fused, explicit = model(idx), model.inspect(idx)
    assert (fused.logits - explicit.logits).abs().max().item() <= 1e-5
    assert (fused.state - explicit.state).abs().max().item() <= 1e-5
    assert explicit.layers[0].update is not None and explicit.layers[0].c is None
    stepper = make_stepper(model)  # the generic stepper: a length-one sequence per token
    ids = idx[0].tolist()
    stepper.prefill(ids[:100])
    for t in range(100, 149):
        logits = stepper.step(ids[t])
    assert (logits - fused.logits[0, 148]).abs().max().item() <= 1e-5


def test_training_lowers_the_loss() -> None:
    torch.manual_seed(3)
    model = LanguageModel(ModelConfig(vocab_size=8, cell="mingru", hidden=32, embed=16))
    ids = torch.arange(200) % 8  # a cycle: easy to learn from x_t alone
    x, y = ids[None, :-1], ids[None, 1:]
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    with torch.no_grad():
        first = float(model(x, targets=y).loss)
    for _ in range(40):
        opt.zero_grad()
        loss = model(x, targets=y).loss
        loss.backward()
        opt.step()
    assert float(loss.detach()) < first / 4


def test_trains_saves_and_loads_through_the_trainer(tmp_path) -> None:
    from training.checkpoints.checkpoint import load_model
    from training.demo.tiny import TINY_WINDOW, write_fallback_corpus
    from training.run import run_training
    from training.run_spec import RunSpec

    corpus = write_fallback_corpus(tmp_path / "text.txt", repeats=8)
    spec = RunSpec(
        paths=(str(corpus),),
        out_dir=tmp_path / "run",
        model_options={"cell": "mingru", "hidden": 32, "embed": 16},
        train_options={"steps": 6, **TINY_WINDOW, "device": "cpu", "precision": "fp32"},
    )
    result = run_training(spec)[0]
    model, tokenizer, _ = load_model(result.checkpoint)
    assert model.config.cell == "mingru" and result.steps == 6
    ids = torch.tensor([tokenizer.encode("The quick brown fox")])
    assert (model(ids).logits - model.inspect(ids).logits).abs().max().item() <= 1e-5
