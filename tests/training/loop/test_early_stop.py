"""A run that only memorises stops early, ends on its best weights, and says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.checkpoints.run_meta import ValidationPoint
from training.common.events import Event, FinishedEvent
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.loop.early_stop import MEMORISED_GAP, PATIENCE, RISE, memorised_message, should_stop
from training.run import prepare_run
from training.run_spec import RunSpec


def points(*losses: float, first_step: int = 10) -> list[ValidationPoint]:
    return [ValidationPoint(first_step + 10 * i, float(i), loss, loss) for i, loss in enumerate(losses)]


def test_a_rise_over_several_validations_stops_a_run() -> None:
    best = 1.50
    rising = points(best * (1 + 2 * RISE), best * (1 + 3 * RISE), best * (1 + 4 * RISE))
    assert PATIENCE == 3 and should_stop(rising, best_step=0, best=best)


@pytest.mark.parametrize(
    "losses",
    [
        (1.60, 1.62),  # too few validations since the best
        (1.60, 1.51, 1.62),  # one of them within the noise of the best: a plateau, not a rise
        (1.52, 1.52, 1.52),  # flat: the schedule's decay may still bring it down
    ],
)
def test_a_plateau_or_a_blip_does_not(losses: tuple[float, ...]) -> None:
    assert not should_stop(points(*losses), best_step=0, best=1.50)


def test_only_validations_after_the_best_count() -> None:
    history = points(1.9, 1.8, 1.7, 1.6, 1.5)  # falling throughout: the best is the last one
    assert not should_stop(history, best_step=history[-1].step, best=1.5)
    assert not should_stop(history, best_step=None, best=float("inf"))


def test_the_gap_says_memorised_only_past_its_threshold() -> None:
    assert memorised_message(train_loss=1.40, held_out=1.40 + MEMORISED_GAP * 0.9) is None
    assert memorised_message(train_loss=None, held_out=3.0) is None
    said = memorised_message(train_loss=0.04, held_out=2.10)
    assert said is not None and "memorised" in said and "More text" in said


def test_a_run_past_its_best_stops_early_and_keeps_the_best_weights(
    corpus_file: Path, tmp_path: Path
) -> None:
    events: list[Event] = []
    spec = RunSpec(
        paths=(str(corpus_file),),
        out_dir=tmp_path / "run",
        model_options=dict(TINY_MODEL),
        train_options={**TINY_TRAIN, "steps": 500, "eval_every_s": 0.0},  # validates after every step
    )
    trainer = prepare_run(spec, on_event=events.append).trainers[0]
    trainer.validate(max_tokens=2000)  # step 0: the untrained weights are the first best
    trainer.best.loss = 0.01  # and every later validation is far worse than it
    while not trainer.done:
        trainer.train_step()
    assert trainer.step == PATIENCE  # three validations after the best, then it stopped
    finished = trainer.finish("completed")
    assert isinstance(finished, FinishedEvent) and finished.stopped_early
    assert finished.memorised  # its line said so: the samples' check does not say it again
    said = [e.message for e in events if e.kind == "warning"]
    assert any(
        m.startswith("stopped early at step 3, 1% into its budget: kept the weights from step 0")
        for m in said
    )
