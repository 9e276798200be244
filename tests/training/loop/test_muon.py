"""Muon on the recurrent and input matrices, AdamW on the rest, in one optimizer."""

from __future__ import annotations

import torch

from lstm_core.config import ModelConfig
from lstm_core.model import LanguageModel
from training.common.config import TrainConfig
from training.loop.muon import MuonAdamW, orthogonalise
from training.loop.optimizer import make_optimizer


def test_orthogonalise_brings_every_singular_value_near_one() -> None:
    torch.manual_seed(0)
    for shape in [(64, 256), (256, 64), (128, 128)]:  # condition numbers of about 30 and more
        skewed = torch.randn(shape) @ torch.diag(torch.logspace(-1.5, 0, shape[1]))
        singular = torch.linalg.svdvals(orthogonalise(skewed))
        # A random square matrix has singular values near zero, which five steps cannot lift:
        # the bulk moves to about one and none overshoots.
        near_one = ((singular > 0.6) & (singular < 1.25)).float().mean()
        assert near_one >= 0.9 and singular.max() < 1.3, (shape, near_one, singular.max())


def test_a_stack_of_matrices_is_orthogonalised_each_on_its_own() -> None:
    torch.manual_seed(1)
    for shape in [(4, 32, 16), (4, 16, 32)]:
        stack = torch.randn(shape)
        one_by_one = torch.stack([orthogonalise(m) for m in stack])
        assert torch.allclose(orthogonalise(stack), one_by_one, atol=1e-5)
        scaled = stack.clone()
        scaled[0] *= 100.0  # each matrix is normalised on its own, so this changes only its own
        assert torch.allclose(orthogonalise(scaled)[1:], one_by_one[1:], atol=1e-5)


def test_muon_takes_the_lstm_matrices_and_adamw_the_rest() -> None:
    model = LanguageModel(ModelConfig(vocab_size=20, layers=2, hidden=16, embed=8))
    optimizer = make_optimizer(model, TrainConfig(optimizer="muon"))
    assert isinstance(optimizer, MuonAdamW)
    muon = {id(p) for g in optimizer.param_groups if g["muon"] for p in g["params"]}
    names = {n for n, p in model.named_parameters() if id(p) in muon}
    assert names == {f"rnn.weight_{kind}_l{layer}" for kind in ("ih", "hh") for layer in (0, 1)}
    assert all(g["blocks"] == 4 for g in optimizer.param_groups if g["muon"])
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(list(model.parameters()))


def test_muon_learns_a_sequence() -> None:
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=8, layers=1, hidden=32, embed=8))
    optimizer = make_optimizer(model, TrainConfig(optimizer="muon", lr=1e-2, weight_decay=0.0))
    ids = torch.arange(64).remainder(8).view(2, 32)  # 0 1 2 ... 7 0 1 ...: each id predicts the next
    losses = []
    for _ in range(60):
        out = model(ids[:, :-1], None, ids[:, 1:])
        optimizer.zero_grad()
        out.loss.backward()
        optimizer.step()
        losses.append(out.loss.item())
    assert losses[-1] < 0.1 * losses[0], losses[::10]


def test_its_state_round_trips_through_a_state_dict() -> None:
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=8, layers=1, hidden=16, embed=8))
    optimizer = make_optimizer(model, TrainConfig(optimizer="muon"))
    ids = torch.randint(8, (2, 9))
    model(ids[:, :-1], None, ids[:, 1:]).loss.backward()
    optimizer.step()
    again = make_optimizer(model, TrainConfig(optimizer="muon"))
    again.load_state_dict(optimizer.state_dict())
    for p in model.parameters():
        for key, value in optimizer.state[p].items():
            assert torch.equal(again.state[p][key], value)
