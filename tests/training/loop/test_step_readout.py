"""Losses read back a few steps at a time (as on a GPU) report the same steps, train the same
weights and still catch a diverged step, rolling back to a snapshot of finite weights."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from training.common.events import Event, StepEvent
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.loop.run_loop import train_models
from training.loop.step_readout import StepReadout, readback_interval
from training.run import prepare_run
from training.run_spec import RunSpec


def _train(corpus: Path, out: Path, every: int, **train) -> tuple[list[Event], dict[str, torch.Tensor]]:
    events: list[Event] = []
    spec = RunSpec(
        paths=(str(corpus),),
        out_dir=out,
        model_options={**TINY_MODEL, "layers": 2, "dropout": 0.2},
        train_options={**TINY_TRAIN, "precision": "fp32", **train},
    )
    prepared = prepare_run(spec, on_event=events.append)
    trainer = prepared.trainers[0]
    trainer.readout = StepReadout(every)
    train_models(prepared.trainers)
    prepared.release()
    return events, {k: v.clone() for k, v in trainer.model.state_dict().items()}


def test_reading_back_every_five_steps_reports_and_trains_exactly_as_every_step(
    corpus_file: Path, tmp_path: Path
) -> None:
    each, each_weights = _train(corpus_file, tmp_path / "a", 1, steps=13)
    blocks, block_weights = _train(corpus_file, tmp_path / "b", 5, steps=13)
    steps_each = [e for e in each if isinstance(e, StepEvent)]
    steps_blocks = [e for e in blocks if isinstance(e, StepEvent)]
    assert [e.step for e in steps_blocks] == list(range(1, 14))  # 13 is not a multiple of 5
    for a, b in zip(steps_each, steps_blocks, strict=True):
        assert (a.loss, a.grad_norm, a.lr, a.clipped) == (b.loss, b.grad_norm, b.lr, b.clipped)
    assert all(torch.equal(each_weights[k], block_weights[k]) for k in each_weights)


def test_a_step_that_diverges_between_read_backs_is_rolled_back_to_finite_weights(
    corpus_file: Path, tmp_path: Path
) -> None:
    events, weights = _train(
        corpus_file, tmp_path / "m", 4, steps=30, lr=1e20, warmup_steps=1, grad_clip=None
    )
    warning = next(e for e in events if e.kind == "warning")
    reported = [e.step for e in events if isinstance(e, StepEvent)]
    assert f"diverged at step {len(reported) + 1} " in warning.message  # the first bad step
    assert "rolled back to step 0" in warning.message
    assert all(math.isfinite(e.loss) for e in events if isinstance(e, StepEvent))
    assert all(torch.isfinite(w).all() for w in weights.values())
    finished = [e for e in events if e.kind == "finished"]
    assert len(finished) == 1 and finished[0].reason == "diverged" and finished[0].steps == 0


def test_only_a_cpu_reads_back_every_step() -> None:
    assert readback_interval(torch.device("cpu")) == 1
    assert readback_interval(torch.device("cuda")) > 1
    assert readback_interval(torch.device("mps")) > 1
