"""When a training step is captured in a CUDA graph, and the learning rate such a step reads
from a tensor: set in place each step, trained on as the number is (to float32's rounding),
saved and resumed as a number. Nothing here needs a GPU; tests/cuda/test_cuda_graph_step.py
runs the graphs themselves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from training.checkpoints.checkpoint import load_checkpoint
from training.common.config import TrainConfig
from training.demo.tiny import TINY_MODEL, TINY_TRAIN, tiny_model
from training.loop.graph_step import NO_CUDA_GRAPH_ENV, graph_eligible, refused_note
from training.loop.optimizer import (
    learning_rate,
    make_capturable,
    make_optimizer,
    set_learning_rate,
    undo_capturable,
)
from training.loop.trainer_state import Snapshot
from training.run import prepare_run
from training.run_spec import RunSpec

CUDA = torch.device("cuda")  # only named: graph_eligible looks at the device, it does not use it


def _optimizer(**train: Any) -> torch.optim.Optimizer:
    return make_optimizer(tiny_model(20), TrainConfig.from_dict({**TINY_TRAIN, **train}))


def _eligible(**changes: Any) -> bool:
    # make_optimizer's AdamW is the fused one here too: a CPU has the fused kernel.
    usual = {
        "device": CUDA,
        "distributed": False,
        "loss_scaled": False,
        "optimizer": _optimizer(),
        "environ": {},
    }
    return graph_eligible(**{**usual, **changes})


def test_one_process_on_a_gpu_with_the_fused_adamw_captures_its_step() -> None:
    assert _eligible()
    assert _eligible(environ={NO_CUDA_GRAPH_ENV: "0"})  # 0 leaves capture on, as for LSTM_STUDIO_NO_BF16


# Each alone, the rest as above: built when the test runs, not when tests are collected.
KEPT_EAGER: dict[str, Callable[[], dict[str, Any]]] = {
    "cpu": lambda: {"device": torch.device("cpu")},
    "mps": lambda: {"device": torch.device("mps")},
    "ddp": lambda: {"distributed": True},
    "fp16-loss-scaler": lambda: {"loss_scaled": True},
    "muon": lambda: {"optimizer": _optimizer(optimizer="muon")},
    "unfused-adamw": lambda: {"optimizer": torch.optim.AdamW(tiny_model(20).parameters(), foreach=True)},
    "switched-off": lambda: {"environ": {NO_CUDA_GRAPH_ENV: "1"}},
}


@pytest.mark.parametrize("case", list(KEPT_EAGER))
def test_each_condition_alone_keeps_the_steps_eager(case: str) -> None:
    assert not _eligible(**KEPT_EAGER[case]())


def test_a_rate_held_in_a_tensor_is_filled_in_place_and_a_number_is_replaced() -> None:
    config = TrainConfig.from_dict({**TINY_TRAIN, "lr": 1e-2, "warmup_steps": 4})
    optimizer = make_optimizer(tiny_model(20), config)
    set_learning_rate(optimizer, config, step=0, progress=0.0)
    rate = torch.full((), -1.0)
    make_capturable(optimizer, rate)
    assert rate.item() == pytest.approx(config.lr / 4)  # it took the group's rate of the moment
    assert all(g["lr"] is rate and g["capturable"] for g in optimizer.param_groups)

    said = set_learning_rate(optimizer, config, step=2, progress=0.2)
    assert said == learning_rate(
        step=2, progress=0.2, peak=config.lr, warmup_steps=4, floor_ratio=config.lr_floor
    )
    assert all(g["lr"] is rate for g in optimizer.param_groups)  # the same tensor, a captured step's
    assert rate.item() == pytest.approx(said)

    undo_capturable(optimizer)
    said = set_learning_rate(optimizer, config, step=3, progress=0.3)
    assert all(type(g["lr"]) is float and g["lr"] == said for g in optimizer.param_groups)
    assert not any(g["capturable"] for g in optimizer.param_groups)
    assert rate.item() != pytest.approx(said)  # the tensor was let go


def _spec(corpus: Path, out: Path, *, resume: bool = False) -> RunSpec:
    return RunSpec(
        paths=(str(corpus),),
        out_dir=out,
        model_options=dict(TINY_MODEL),
        train_options={**TINY_TRAIN, "steps": 8, "precision": "fp32", "device": "cpu"},
        resume=resume,
    )


@pytest.mark.parametrize("held_while", ["saving", "resuming"])
def test_a_rate_held_in_a_tensor_trains_saves_and_resumes_as_the_number_does(
    corpus_file: Path, tmp_path: Path, held_while: str
) -> None:
    plain = prepare_run(_spec(corpus_file, tmp_path / "plain"))
    for _ in range(8):
        plain.trainers[0].train_step()
    expected = {k: v.clone() for k, v in plain.trainers[0].model.state_dict().items()}
    plain.release()

    first = prepare_run(_spec(corpus_file, tmp_path / "held"))
    trainer = first.trainers[0]
    if held_while == "saving":
        make_capturable(trainer.optimizer, torch.zeros(()))
    for _ in range(4):
        trainer.train_step()
    assert trainer.save() is not None  # a JSON header cannot hold a tensor: the rate goes as its value
    first.release()
    groups = load_checkpoint(tmp_path / "held").optimizer_groups
    assert groups and all(type(g["lr"]) is float for g in groups)

    second = prepare_run(_spec(corpus_file, tmp_path / "held", resume=True))
    trainer = second.trainers[0]
    assert trainer.step == 4
    # Loaded as numbers into an optimizer that captures nothing, whatever the file says.
    assert all(type(g["lr"]) is float and not g["capturable"] for g in trainer.optimizer.param_groups)
    if held_while == "resuming":
        make_capturable(trainer.optimizer, torch.zeros(()))
    for _ in range(4):
        trainer.train_step()
    weights = trainer.model.state_dict()
    second.release()
    # A tensor holds the rate in float32, where a number is a double on the CPU's fused kernel:
    # a last-bit difference a step (1e-7 here). A rate left unfilled for a step differs by 1e-3.
    worst = max((weights[name] - value).abs().max().item() for name, value in expected.items())
    assert worst <= 1e-6


def test_the_refused_note_names_the_error_that_spoiled_the_capture() -> None:
    try:
        try:
            raise RuntimeError("operation not permitted when stream is capturing")
        except RuntimeError:  # as ending a capture raises after an operation in it failed
            raise RuntimeError("operation failed due to a previous error during capture") from None
    except RuntimeError as err:
        note = refused_note(err)
    assert "not permitted when stream is capturing" in note and "previous error" not in note


def test_a_snapshot_after_the_capture_reuses_its_tensors_and_restores_plain_steps() -> None:
    model = tiny_model(20)
    optimizer = make_optimizer(model, TrainConfig.from_dict(TINY_TRAIN))
    model(torch.randint(0, 20, (2, 8)), None, torch.randint(0, 20, (2, 8))).loss.backward()
    optimizer.step()  # the moments exist, as after the warm-up steps
    snapshot = Snapshot.take(model, optimizer, step=3)
    held = snapshot.model["embedding.weight"]
    rate = torch.tensor(0.0)
    make_capturable(optimizer, rate)
    rate.fill_(0.02)  # as set_learning_rate fills it
    snapshot.refresh(model, optimizer, step=4)
    assert snapshot.model["embedding.weight"] is held  # copied into, not a second copy beside it
    assert all(
        g["lr"] == pytest.approx(0.02) and not g["capturable"] for g in snapshot.optimizer["param_groups"]
    )
    snapshot.restore(model, optimizer)
    assert all(type(g["lr"]) is float and not g["capturable"] for g in optimizer.param_groups)
