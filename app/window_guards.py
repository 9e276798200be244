"""Questions the window asks before something is lost, and its answers to engine trouble.

Before starting a new run over a result nobody has looked at, before quitting in the
middle of a run, when a checkpoint cannot be written, and when a checkpoint cannot be
read but an older one in the same run folder can.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from training.checkpoints.checkpoint import CheckpointError
from training.common.events import SaveFailedEvent

if TYPE_CHECKING:
    from app.main_window import MainWindow


def ask(parent: QWidget | None, title: str, text: str, *, default_yes: bool = True) -> bool:
    """A Yes/No question; Escape and closing the box answer No."""
    buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    default = QMessageBox.StandardButton.Yes if default_yes else QMessageBox.StandardButton.No
    return QMessageBox.question(parent, title, text, buttons, default) != QMessageBox.StandardButton.No


def confirm_quit(window: MainWindow) -> bool:
    # Not once the run's results are in: its thread only saves and ends then.
    if not window.training.training_now:
        return True
    run = window.dashboard.run_dir
    name = f" ({run.name})" if run else ""
    return ask(
        window,
        "Quit while training?",
        f"A training run{name} is going. Quitting stops it after one more evaluation and saves "
        "it; Train ▸ Resume Training (F7) continues it from there next time.\n\nQuit now?",
        default_yes=False,
    )


def confirm_start(window: MainWindow) -> bool:
    """A finished run that was neither loaded nor saved under a name is easy to lose track of."""
    problem = window.corpus.documents_problem()  # e.g. "separator…" with no separator
    if problem:
        QMessageBox.warning(window, "Cannot start training", problem)
        return False
    pending = window.unsaved_result
    if pending is None:
        return True
    return ask(
        window,
        "Start a new run?",
        f"The last run, {pending.name}, finished but was not loaded or saved under a name of "
        "your choosing. It stays in the Runs tab.\n\nStart a new run anyway?",
    )


def on_save_failed(window: MainWindow, event: SaveFailedEvent) -> None:
    """Once per run: the message, and an offer to save the run (its state in memory) into
    another folder from now on; once the run has ended, Save As for the loaded model."""
    window.statusBar().showMessage(f"Checkpoint not saved: {event.message}", 15000)
    if window.save_failure_shown:
        return
    window.save_failure_shown = True
    if not ask(
        window,
        "Checkpoint not saved",
        f"{event.message}\n\nTraining goes on with its state in memory; the previous checkpoint "
        f"in {event.folder} is untouched. Free some space, or choose another folder and the run "
        "is saved there now and from then on.\n\nSave the run elsewhere?",
        default_yes=False,
    ):
        return
    if not window.training.running:
        window.save_model_as()
        return
    from app.model_files import ask_save_folder  # (model_files imports this module)

    folder = ask_save_folder(window)
    if folder is not None and window.training.save_elsewhere(folder):
        window.statusBar().showMessage(f"The run now saves into {folder}", 15000)


def offer_fallback(window: MainWindow, err: CheckpointError) -> Path | None:
    """The older checkpoint to open instead, when there is one and the person wants it."""
    fallback = err.fallback
    if fallback is None or not Path(fallback).is_file():
        return None
    if ask(
        window,
        "Open an older checkpoint?",
        f"{err}\n\nAn older checkpoint in the same run folder reads cleanly:\n{fallback}\n\nOpen it instead?",
    ):
        return Path(fallback)
    return None
