"""A run's trainers to their budgets: one step of each in turn, so an LSTM and its vanilla
RNN grow side by side; pause, cancel and "save elsewhere" apply between steps."""

from __future__ import annotations

from pathlib import Path

from training.common.control import TrainingControl
from training.common.events import FinishedEvent, FinishReason
from training.loop.trainer import Trainer


def train_models(trainers: list[Trainer], control: TrainingControl | None = None) -> list[FinishedEvent]:
    """Run trainers to their budgets, one step of each in turn. Pause and cancel apply
    between steps, so they take effect within one step."""
    control = control or TrainingControl()
    while not control.cancelled and not all(t.done for t in trainers):
        folder = control.take_new_folder()
        if folder is not None:
            move_run(trainers, folder)
        for trainer in trainers:
            control.wait_while_paused()
            if control.cancelled:
                break
            if not trainer.done:
                trainer.train_step()
    # A Stop that lands after the last step is too late to stop anything: the run completed.
    ended = all(t.done for t in trainers)
    reason: FinishReason = "cancelled" if control.cancelled and not ended else "completed"
    folder = control.take_new_folder()  # asked for while the last step ran
    if folder is not None:
        move_run(trainers, folder)
    return [t.finish(reason) for t in trainers]


def move_run(trainers: list[Trainer], folder: Path) -> None:
    """Save every model of the run into `folder`, keeping their layout (the RNN in its sub-folder)."""
    root = trainers[0].out_path.parent
    for trainer in trainers:
        trainer.move_to(Path(folder) / trainer.out_path.parent.relative_to(root))
