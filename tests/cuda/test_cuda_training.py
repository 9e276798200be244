"""Training on a CUDA GPU: bf16 and fp16 autocast steps, no host wait between read-backs,
and exact resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lstm_core.hardware import to_device
from tests.cuda.needs import needs_cuda
from tests.cuda.specs import cuda_spec
from training.checkpoints.checkpoint import load_checkpoint
from training.common.control import TrainingControl
from training.common.events import Event, StepEvent
from training.loop.run_loop import train_models
from training.loop.step_readout import GPU_READBACK_STEPS
from training.run import prepare_run, run_training

pytestmark = needs_cuda

# Resumed and uninterrupted runs take the same steps on the same data with the same RNG;
# on a GPU some kernels (cuDNN's LSTM backward among them) sum in an order of their own, so
# two uninterrupted runs already differ, and Adam amplifies it over the steps (9e-4 after
# 40 steps on an H200). The resumed run is held to that run-to-run difference: one wrong
# batch, RNG state or carried state moves weights by about the learning rate a step.
RESUME_TOLERANCE = 1e-4  # on top of the measured run-to-run difference, times NOISE_FACTOR
NOISE_FACTOR = 3.0


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_autocast_training_steps_learn_on_the_gpu(corpus_file: Path, tmp_path: Path, precision: str) -> None:
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bfloat16")
    events: list[Event] = []
    spec = cuda_spec(corpus_file, tmp_path / precision, steps=60, lr=1e-2, precision=precision)
    prepared = prepare_run(spec, on_event=events.append)
    trainer = prepared.trainers[0]
    assert trainer.device.type == "cuda"
    assert trainer.amp_dtype == {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    assert (trainer.scaler is not None) == (precision == "fp16")  # float16 needs loss scaling
    first = trainer.validate(max_tokens=2000).loss_nats
    result = train_models(prepared.trainers)[0]
    prepared.release()
    assert result.reason == "completed" and result.steps == 60
    assert result.val_loss < first - 0.3  # it learned
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert [e.step for e in steps] == list(range(1, 61))  # every step reported, in order
    weights = load_checkpoint(tmp_path / precision).prefixed("model.")
    assert all(torch.isfinite(w).all() for w in weights.values())


@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
def test_steps_between_read_backs_never_wait_for_the_gpu(
    corpus_file: Path, tmp_path: Path, precision: str
) -> None:
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bfloat16")
    prepared = prepare_run(cuda_spec(corpus_file, tmp_path / "m", steps=1000, precision=precision))
    trainer = prepared.trainers[0]
    assert trainer.readout.every == GPU_READBACK_STEPS
    for _ in range(GPU_READBACK_STEPS):  # the first steps allocate; the last one reads back
        trainer.train_step()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")  # any host wait in a step now raises
    try:
        for _ in range(GPU_READBACK_STEPS - 1):
            trainer.train_step()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert len(trainer.readout) == GPU_READBACK_STEPS - 1  # recorded, not yet read
    trainer.train_step()  # the read-back
    assert len(trainer.readout) == 0 and trainer.step == 2 * GPU_READBACK_STEPS
    prepared.release()


def test_resume_on_the_gpu_matches_an_uninterrupted_run(corpus_file: Path, tmp_path: Path) -> None:
    model = {"layers": 2, "dropout": 0.2}  # dropout makes the GPU's RNG state matter
    opts = {"steps": 40, "precision": "fp32"}
    run_training(cuda_spec(corpus_file, tmp_path / "a", model=model, **opts))

    control = TrainingControl()

    def stop_at_21(event: Event) -> None:  # between read-backs: the stop still saves every step
        if isinstance(event, StepEvent) and event.step == 21:
            control.cancel()

    first = run_training(
        cuda_spec(corpus_file, tmp_path / "b", model=model, **opts), on_event=stop_at_21, control=control
    )
    assert first[0].reason == "cancelled" and 21 <= first[0].steps < 40
    assert load_checkpoint(tmp_path / "b").tensors["rng.cuda"] is not None
    second = run_training(cuda_spec(corpus_file, tmp_path / "b", model=model, resume=True, **opts))
    assert second[0].steps == 40
    a = load_checkpoint(tmp_path / "a").prefixed("model.")
    b = load_checkpoint(tmp_path / "b").prefixed("model.")
    assert a.keys() == b.keys()
    worst = max((a[k] - b[k]).abs().max().item() for k in a)
    run_training(cuda_spec(corpus_file, tmp_path / "a2", model=model, **opts))
    again = load_checkpoint(tmp_path / "a2").prefixed("model.")
    noise = max((a[k] - again[k]).abs().max().item() for k in a)
    assert worst <= NOISE_FACTOR * noise + RESUME_TOLERANCE, (worst, noise)


def test_a_batch_copied_through_pinned_memory_arrives_whole() -> None:
    batch = torch.randint(0, 1000, (64, 128))
    on_gpu = [to_device(batch, torch.device("cuda")) for _ in range(3)]  # reused host blocks
    batch.add_(1)  # the copies were taken before this: the pinned copy isolates them
    assert all(t.device.type == "cuda" and torch.equal(t.cpu() + 1, batch) for t in on_gpu)
