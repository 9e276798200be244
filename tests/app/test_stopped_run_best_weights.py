"""Opening a stopped run in the window loads the weights its best validation scored, the ones
the Runs tab lists, and not the last weights its checkpoint keeps for resuming."""

from __future__ import annotations

from pathlib import Path

from app import model_store
from training.checkpoints.checkpoint import best_path
from training.common.control import TrainingControl
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.run import prepare_run
from training.run_spec import RunSpec


def test_open_loads_a_stopped_runs_best_weights(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    spec = RunSpec(
        paths=(str(corpus_file),),
        out_dir=out,
        model_options=TINY_MODEL,
        train_options={**TINY_TRAIN, "steps": 9},
    )
    prepared = prepare_run(spec)
    trainer = prepared.trainers[0]
    trainer.train_step()
    trainer.best.offer(trainer.model, step=1, loss=0.25, train_loss=None)
    trainer.train_step()
    control = TrainingControl()
    control.cancel()
    result = prepared.train(control)[0]

    loaded = model_store.load(result.checkpoint)  # what Runs ▸ Open and the stop's offer pass
    assert loaded.path == best_path(Path(result.checkpoint))
    assert loaded.meta.metrics.val_loss == 0.25 and loaded.meta.progress.step == 1
    assert loaded.run_name == "m"
