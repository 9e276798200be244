"""Questions the window asks before something is lost.

Before starting a new run over a result nobody has looked at, before quitting in the
middle of a run, and when a checkpoint cannot be read but an older one in the same run
folder can. (When a checkpoint cannot be written, ``app.model_files.on_save_failed``
offers another folder.)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from training.checkpoints.checkpoint import CheckpointError

if TYPE_CHECKING:
    from app.window_parts import WindowParts


def ask(parent: QWidget | None, title: str, text: str, *, default_yes: bool = True) -> bool:
    """A Yes/No question; Escape and closing the box answer No."""
    buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    default = QMessageBox.StandardButton.Yes if default_yes else QMessageBox.StandardButton.No
    return QMessageBox.question(parent, title, text, buttons, default) != QMessageBox.StandardButton.No


def confirm_quit(window: WindowParts) -> bool:
    # Not once the run's results are in: its thread only saves and ends then.
    if not window.training.training_now:
        return True
    run = window.dashboard.run_dir
    name = f" ({run.name})" if run else ""
    return ask(
        window.window(),
        "Quit now?",
        f"A training run{name} is going. Quitting stops it after one more evaluation and saves "
        "it; Train ▸ Resume Training (F7) continues it from there next time.\n\nQuit now?",
        default_yes=False,
    )


def confirm_start(window: WindowParts) -> bool:
    """A finished run that was neither loaded nor saved under a name is easy to lose track of."""
    problem = window.corpus.documents_problem()  # e.g. "separator…" with no separator
    if problem:
        QMessageBox.warning(window.window(), "Cannot train", problem)
        return False
    pending = window.unsaved_result
    if pending is None:
        return True
    return ask(
        window.window(),
        "Start a new run?",
        f"The last run, {pending.name}, finished but was not loaded or saved under a name of "
        "your choosing. It stays in the Runs tab.\n\nStart a new run anyway?",
    )


def offer_fallback(parent: QWidget, err: CheckpointError) -> Path | None:
    """The older checkpoint to open instead, when there is one and the person wants it."""
    fallback = err.fallback
    if fallback is None or not Path(fallback).is_file():
        return None
    if ask(
        parent,
        "Older checkpoint",
        f"{err}\n\nAn older checkpoint in the same run folder reads cleanly:\n{fallback}\n\nOpen it instead?",
    ):
        return Path(fallback)
    return None
