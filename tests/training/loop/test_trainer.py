from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import pytest
import torch

from training.checkpoints.checkpoint import load_checkpoint
from training.common.control import TrainingControl
from training.common.events import Event, FinishedEvent, StepEvent
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.loop.run_loop import train_models
from training.loop.trainer_state import STALL
from training.run import prepare_run, run_training
from training.run_spec import RunSpec


def _spec(corpus: Path, out: Path, **train) -> RunSpec:
    return RunSpec(
        paths=(str(corpus),),
        out_dir=out,
        model_options=dict(TINY_MODEL),
        train_options={**TINY_TRAIN, **train},
    )


def test_run_reports_every_kind_of_event_and_learns(corpus_file: Path, tmp_path: Path) -> None:
    events: list[Event] = []
    spec = _spec(
        corpus_file,
        tmp_path / "m",
        steps=40,
        eval_every_s=0.0,
        sample_every_s=0.0,
        checkpoint_every_s=0.0,
        lr=1e-2,
    )
    results = run_training(spec, on_event=events.append)
    kinds = {e.kind for e in events}
    assert {"step", "validation", "sample", "checkpoint", "finished"} <= kinds
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert [e.step for e in steps] == list(range(1, 41))
    assert steps[-1].progress == 1.0 and steps[-1].eta_s == 0.0
    first_val = next(e for e in events if e.kind == "validation")
    assert results[0].val_loss < first_val.loss_nats - 0.5  # it learned something
    assert results[0].reason == "completed" and Path(results[0].checkpoint).exists()


def test_compare_rnn_trains_both_on_the_same_tokenizer(corpus_file: Path, tmp_path: Path) -> None:
    spec = RunSpec(
        paths=(str(corpus_file),),
        out_dir=tmp_path / "m",
        model_options=dict(TINY_MODEL),
        train_options=dict(TINY_TRAIN),
        compare_rnn=True,
    )
    results = run_training(spec)
    assert [r.model for r in results] == ["lstm", "rnn"]
    lstm, rnn = (load_checkpoint(Path(r.checkpoint)) for r in results)
    assert rnn.path.parent == tmp_path / "m" / "rnn"
    assert rnn.meta.model.cell == "rnn" and lstm.meta.model.cell == "lstm"
    assert rnn.tokenizer == lstm.tokenizer
    assert rnn.meta.progress.step == lstm.meta.progress.step == TINY_TRAIN["steps"]


@pytest.mark.parametrize("optimizer", ["adamw", "muon"])
def test_resume_is_bit_identical_to_an_uninterrupted_run(
    corpus_file: Path, tmp_path: Path, optimizer: str
) -> None:
    opts = {"steps": 14, "precision": "auto", "optimizer": optimizer}
    model = {**TINY_MODEL, "layers": 2, "dropout": 0.2}  # dropout makes the RNG state matter
    straight = RunSpec(
        paths=(str(corpus_file),),
        out_dir=tmp_path / "a",
        model_options=model,
        train_options={**TINY_TRAIN, **opts},
    )
    run_training(straight)

    control = TrainingControl()

    def stop_at_six(event: Event) -> None:
        if isinstance(event, StepEvent) and event.step == 6:
            control.cancel()

    broken = RunSpec(
        paths=(str(corpus_file),),
        out_dir=tmp_path / "b",
        model_options=model,
        train_options={**TINY_TRAIN, **opts},
    )
    first = run_training(broken, on_event=stop_at_six, control=control)
    assert first[0].reason == "cancelled" and first[0].steps == 6
    resumed = RunSpec(
        paths=(str(corpus_file),),
        out_dir=tmp_path / "b",
        model_options=model,
        train_options={**TINY_TRAIN, **opts},
        resume=True,
    )
    second = run_training(resumed)
    assert second[0].steps == 14

    a = load_checkpoint(tmp_path / "a").prefixed("model.")
    b = load_checkpoint(tmp_path / "b").prefixed("model.")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_pause_resume_and_cancel_take_effect_within_a_step(corpus_file: Path, tmp_path: Path) -> None:
    control = TrainingControl()
    seen: list[int] = []

    def on_event(event: Event) -> None:
        if isinstance(event, StepEvent):
            seen.append(event.step)
            if event.step == 3:
                control.pause()

    prepared = prepare_run(_spec(corpus_file, tmp_path / "m", steps=10_000), on_event)
    results: list[FinishedEvent] = []
    worker = threading.Thread(target=lambda: results.extend(train_models(prepared.trainers, control)))
    worker.start()
    deadline = time.time() + 30
    while not control.paused and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert seen == [1, 2, 3]  # paused right after step 3
    control.resume()
    while len(seen) < 6 and time.time() < deadline:
        time.sleep(0.005)
    control.cancel()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert results[0].reason == "cancelled"
    assert results[0].steps <= len(seen) + 1 < 10_000


def test_divergence_is_detected_rolled_back_and_reported(corpus_file: Path, tmp_path: Path) -> None:
    events: list[Event] = []
    spec = RunSpec(
        paths=(str(corpus_file),),
        out_dir=tmp_path / "m",
        model_options={**TINY_MODEL, "cell": "rnn"},
        train_options={**TINY_TRAIN, "steps": 30, "lr": 1e20, "warmup_steps": 1, "grad_clip": None},
    )
    results = run_training(spec, on_event=events.append)
    assert results[0].reason == "diverged" and results[0].diverged
    warning = next(e for e in events if e.kind == "warning")
    assert "diverged" in warning.message and "rolled back" in warning.message
    weights = load_checkpoint(results[0].checkpoint).prefixed("model.")
    assert all(torch.isfinite(w).all() for w in weights.values())
    assert math.isfinite(results[0].val_loss)


def test_a_completed_run_ends_on_its_best_validated_weights(corpus_file: Path, tmp_path: Path) -> None:
    events: list[Event] = []
    for reason in ("cancelled", "completed"):
        prepared = prepare_run(_spec(corpus_file, tmp_path / reason, steps=6), on_event=events.append)
        trainer = prepared.trainers[0]
        trainer.validate(max_tokens=2000)  # step 0: the untrained weights are the first best
        early = {k: v.clone() for k, v in trainer.model.state_dict().items()}
        trainer.best.loss = -1.0  # pretend nothing later can beat them
        while not trainer.done:
            trainer.train_step()
        trainer.finish(reason)
        kept = all(torch.equal(v, early[k]) for k, v in trainer.model.state_dict().items())
        assert kept == (reason == "completed")  # stopping by hand keeps the last weights
    kept_note = [e for e in events if e.kind == "warning" and "kept the weights from step 0" in e.message]
    assert len(kept_note) == 1
    assert load_checkpoint(tmp_path / "completed").meta.progress.step == 6


def test_a_run_whose_last_weights_are_within_noise_of_its_best_keeps_them(
    corpus_file: Path, tmp_path: Path
) -> None:
    events: list[Event] = []
    prepared = prepare_run(_spec(corpus_file, tmp_path / "m", steps=6), on_event=events.append)
    trainer = prepared.trainers[0]
    trainer.validate(max_tokens=2000)  # step 0: the untrained weights are the first best
    while not trainer.done:
        trainer.train_step()
    last = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    final = trainer.validate(max_tokens=trainer.config.eval_tokens).loss_nats
    trainer.best.loss = final - STALL / 2  # the best was better, but only by noise
    trainer.finish("completed")
    assert all(torch.equal(v, last[k]) for k, v in trainer.model.state_dict().items())
    assert not [e for e in events if e.kind == "warning"]


def test_a_stop_after_the_last_step_ends_a_completed_run(corpus_file: Path, tmp_path: Path) -> None:
    prepared = prepare_run(_spec(corpus_file, tmp_path / "m"))
    try:
        for trainer in prepared.trainers:
            while not trainer.done:
                trainer.train_step()
        control = TrainingControl()
        control.cancel()  # Stop pressed as the last step ended
        results = train_models(prepared.trainers, control)
    finally:
        prepared.release()
    assert [r.reason for r in results] == ["completed"] * len(results)
