"""The whole training step captured in a CUDA graph (training.loop.graph_step): it trains as
eager steps do, keeps the carried state in its own buffers, resumes as if never stopped,
rolls a diverged run back, and where capture is refused says so once and goes on eagerly."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.cuda.needs import needs_cuda
from tests.cuda.specs import cuda_spec
from training.checkpoints.checkpoint import load_checkpoint
from training.common.events import Event, FinishedEvent, NoteEvent, StepEvent
from training.loop.graph_step import NO_CUDA_GRAPH_ENV, WARMUP_STEPS
from training.loop.optimizer import learning_rate
from training.loop.streams import RESTART_EVERY_CHUNKS
from training.loop.trainer import Trainer
from training.run import prepare_run
from training.run_spec import RunSpec

pytestmark = needs_cuda

# Two runs of the same steps differ in the last bits on a GPU (cuDNN's LSTM backward sums in
# an order of its own) and Adam carries that along, so a graphed run is held to the difference
# between two eager ones; a wrong batch, carried state, learning rate or dropout mask moves a
# step's loss by 1e-3 or (much) more.
NOISE_FACTOR = 3.0
LOSS_TOLERANCE = {"fp32": 2e-4, "bf16": 5e-3}  # on top: bf16 rounds products to 3 digits


@pytest.fixture(autouse=True)
def graphs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the shell running the tests says, these runs capture their steps."""
    monkeypatch.delenv(NO_CUDA_GRAPH_ENV, raising=False)


def _train(spec: RunSpec) -> tuple[Trainer, FinishedEvent, list[Event]]:
    events: list[Event] = []
    prepared = prepare_run(spec, on_event=events.append)
    trainer = prepared.trainers[0]
    return trainer, prepared.train()[0], events


def _losses(events: list[Event]) -> dict[int, float]:
    return {e.step: e.loss for e in events if isinstance(e, StepEvent)}


# The tiny demo model runs cuDNN's kernels for small hidden sizes; the GPU presets' shape
# (two layers, dropout between them, a hidden size past 192) runs the standard ones, and
# cuDNN's dropout state, which a capture handles apart.
PRESET_LIKE = {"layers": 2, "hidden": 256, "dropout": 0.3}


@pytest.mark.parametrize("model", [None, PRESET_LIKE], ids=["tiny", "preset-like"])
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_graphed_steps_train_as_eager_steps_do(
    corpus_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    precision: str,
    model: dict | None,
) -> None:
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bfloat16")
    # 8 chunks a pass: the 24 steps cross passes, where every stream's state restarts from zero.
    options = {"steps": 24, "batch_size": 64, "seq_len": 32, "lr": 1e-2, "precision": precision}
    monkeypatch.setenv(NO_CUDA_GRAPH_ENV, "1")
    eager, _, eager_events = _train(cuda_spec(corpus_file, tmp_path / "eager", model=model, **options))
    _, _, again_events = _train(cuda_spec(corpus_file, tmp_path / "again", model=model, **options))
    monkeypatch.delenv(NO_CUDA_GRAPH_ENV)
    graphed, result, events = _train(cuda_spec(corpus_file, tmp_path / "graphed", model=model, **options))

    assert eager.graph_step is None
    step = graphed.graph_step
    assert step is not None and step.captured and step.captures == 1
    assert graphed.batcher.chunks_per_epoch < 24
    assert result.reason == "completed" and result.steps == 24
    eager_losses, again, losses = _losses(eager_events), _losses(again_events), _losses(events)
    assert list(losses) == list(range(1, 25))  # every step reported once, in order
    noise = max(abs(eager_losses[s] - again[s]) for s in eager_losses)
    worst = max(abs(eager_losses[s] - losses[s]) for s in eager_losses)
    assert worst <= NOISE_FACTOR * noise + LOSS_TOLERANCE[precision], (worst, noise)
    # Each replay read the rate set_learning_rate filled in place: the last step's is there.
    config = graphed.config
    schedule = {"peak": config.lr, "warmup_steps": config.warmup_steps, "floor_ratio": config.lr_floor}
    assert all(group["lr"] is step.rate for group in graphed.optimizer.param_groups)
    assert step.rate.item() == pytest.approx(learning_rate(step=23, progress=23 / 24, **schedule), rel=1e-6)


def test_the_carried_state_stays_in_the_graphs_buffers_and_restarts_there(
    corpus_file: Path, tmp_path: Path
) -> None:
    prepared = prepare_run(cuda_spec(corpus_file, tmp_path / "m", steps=100, batch_size=40, precision="fp32"))
    trainer = prepared.trainers[0]
    for _ in range(WARMUP_STEPS + 1):  # the last of these is captured, then replayed
        trainer.train_step()
    assert trainer.graph_step is not None and trainer.graph_step.captured
    before = trainer.state
    trainer.train_step()  # a replay
    assert trainer.state is before  # the graph's static buffers, not new tensors
    h, c = trainer.state
    index = trainer.step - 1
    zero = [row for row in range(40) if bool((h[:, row] == 0).all() and (c[:, row] == 0).all())]
    # Zeroed in place, where the next replay reads them: rows index, index + every, …
    assert zero == list(range(index % RESTART_EVERY_CHUNKS, 40, RESTART_EVERY_CHUNKS))
    prepared.release()


def test_a_graphed_run_resumes_as_if_never_stopped(corpus_file: Path, tmp_path: Path) -> None:
    # Dropout's masks come from the CUDA generator, which each replay moves on: a resume that
    # lost its place in that sequence would draw other masks. (One layer: cuDNN's dropout
    # between layers draws from a state of its own.)
    model = {"dropout": 0.2}
    options = {"steps": 40, "batch_size": 32, "seq_len": 32, "precision": "fp32"}  # 16 chunks a pass
    _, _, whole = _train(cuda_spec(corpus_file, tmp_path / "a", model=model, **options))
    _, _, again = _train(cuda_spec(corpus_file, tmp_path / "a2", model=model, **options))

    prepared = prepare_run(cuda_spec(corpus_file, tmp_path / "b", model=model, **options))
    trainer = prepared.trainers[0]
    for _ in range(21):  # between read-backs and within a pass: the carried state matters
        trainer.train_step()
    assert trainer.graph_step is not None and trainer.graph_step.captured
    assert trainer.finish("cancelled").saved
    prepared.release()
    assert load_checkpoint(tmp_path / "b").meta.progress.step == 21

    resumed_spec = cuda_spec(corpus_file, tmp_path / "b", model=model, resume=True, **options)
    resumed, result, rest = _train(resumed_spec)
    assert result.reason == "completed" and result.steps == 40
    assert resumed.graph_step is not None and resumed.graph_step.captures == 1
    a, a2, b = _losses(whole), _losses(again), _losses(rest)
    assert list(b) == list(range(22, 41))
    noise = max(abs(a[s] - a2[s]) for s in b)
    worst = max(abs(a[s] - b[s]) for s in b)
    assert worst <= NOISE_FACTOR * noise + LOSS_TOLERANCE["fp32"], (worst, noise)


def test_a_diverged_graphed_run_rolls_back_and_lets_its_graph_go(corpus_file: Path, tmp_path: Path) -> None:
    spec = cuda_spec(
        corpus_file,
        tmp_path / "m",
        model={"cell": "rnn"},
        steps=30,
        lr=1e20,
        warmup_steps=1,
        grad_clip=None,
        precision="fp32",
    )
    trainer, result, events = _train(spec)
    assert result.reason == "diverged" and result.diverged
    warning = next(e for e in events if e.kind == "warning")
    assert "diverged" in warning.message and "rolled back" in warning.message
    step = trainer.graph_step
    assert step is not None and step.captures == 1 and not step.captured  # captured, then dropped
    # The optimizer came back from the snapshot as an eager one: rates as numbers.
    assert all(type(g["lr"]) is float and not g["capturable"] for g in trainer.optimizer.param_groups)
    weights = load_checkpoint(result.checkpoint).prefixed("model.")
    assert all(torch.isfinite(w).all() for w in weights.values())
    assert math.isfinite(result.val_loss)


def test_a_refused_capture_is_said_once_and_training_goes_on_eagerly(
    corpus_file: Path, tmp_path: Path
) -> None:
    events: list[Event] = []
    options = {"steps": 40, "batch_size": 32, "seq_len": 32, "lr": 1e-2, "precision": "fp32"}
    # With dropout, every eager step after the failed capture draws random numbers: a
    # generator the capture left in its capturing mode would refuse them.
    spec = cuda_spec(corpus_file, tmp_path / "m", model=PRESET_LIKE, **options)
    prepared = prepare_run(spec, on_event=events.append)
    trainer = prepared.trainers[0]
    real_forward = trainer.model.forward

    def waits_for_the_gpu(*args: Any, **kwargs: Any) -> Any:  # as a model of one's own might
        out = real_forward(*args, **kwargs)
        if torch.cuda.is_current_stream_capturing():
            out.loss.item()  # a host wait: capture refuses it
        return out

    trainer.model.forward = waits_for_the_gpu
    first = trainer.validate(max_tokens=2000).loss_nats
    result = prepared.train()[0]

    notes = [e for e in events if isinstance(e, NoteEvent) and "CUDA graph" in e.message]
    assert len(notes) == 1 and "Traceback" not in notes[0].message and "\n" not in notes[0].message
    assert trainer.graph_step is None
    assert all(type(g["lr"]) is float and not g["capturable"] for g in trainer.optimizer.param_groups)
    assert result.reason == "completed" and result.steps == 40
    losses = _losses(events)
    assert list(losses) == list(range(1, 41)) and all(math.isfinite(v) for v in losses.values())
    assert result.val_loss < first - 0.2  # it went on learning
