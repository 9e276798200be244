"""Opening and saving models from the window: File ▸ Open Model, Open Run Folder, Save Model As.

Small keyword-only operations on the window, each callable from a menu, a drop,
the self-test or a test; errors become a dialog and a status-bar line.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from app import model_store, resources
from training.checkpoint import CheckpointError
from training.run import RNN_SUBDIR

if TYPE_CHECKING:
    from app.main_window import MainWindow

MAIN_MODEL_KEY = "models/main"  # the settings key of the last main model, reopened at start


def open_model(
    window: MainWindow,
    path: str | Path,
    *,
    quiet: bool = False,
    with_companion: bool = True,
    remember: bool = True,
) -> bool:
    """Load a checkpoint (and the RNN trained beside it); errors become a dialog."""
    try:
        loaded = model_store.load(path)
        companion = model_store.companion_rnn_path(loaded.path) if with_companion else None
        rnn = model_store.load(companion) if companion and loaded.cell != "rnn" else None
    except (CheckpointError, OSError) as err:
        if not quiet:
            QMessageBox.warning(window, "Cannot open model", str(err))
        window.statusBar().showMessage(f"Cannot open model: {err}", 8000)
        return False
    if loaded.cell != "rnn" and with_companion:
        window.models.rnn = None  # an RNN belonging to another model would mislead
    window.models.put(loaded)
    if rnn is not None:
        window.models.put(rnn)
    if remember and not resources.is_inside_assets(loaded.path):
        window.settings.add_recent_model(str(loaded.path))
        if loaded.cell != "rnn":
            window.settings.set_str(MAIN_MODEL_KEY, str(loaded.path))
        window.refresh_recent()
    return True


def choose_model(window: MainWindow) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Open model", "", "Checkpoints (*.safetensors)")
    if path:
        open_model(window, path)


def choose_run_folder(window: MainWindow) -> None:
    folder = QFileDialog.getExistingDirectory(window, "Open a run folder", str(window.data_dir / "runs"))
    if folder:
        open_model(window, folder)


def save_model_as(window: MainWindow, target: str | Path | None = None) -> Path | None:
    """Save as a run folder, the CLI's layout: DIR/checkpoint.safetensors and, when an RNN is
    loaded for contrast, DIR/rnn/checkpoint.safetensors. Opening DIR brings both back."""
    loaded = window.models.main
    if loaded is None:
        QMessageBox.information(window, "No model", "There is no model to save yet.")
        return None
    if target is None:
        target = QFileDialog.getExistingDirectory(
            window, "Save as a run folder", str(window.data_dir / "runs")
        )
        if not target:
            return None
    folder = Path(target)
    if folder.suffix == ".safetensors":  # a checkpoint's path names its run folder
        folder = folder.parent
    main_target = folder / resources.CHECKPOINT
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(loaded.path, main_target)  # a checkpoint is self-contained: weights, tokenizer, meta
        rnn = window.models.rnn
        if rnn is not None:
            rnn_target = folder / RNN_SUBDIR / resources.CHECKPOINT
            rnn_target.parent.mkdir(exist_ok=True)
            shutil.copy2(rnn.path, rnn_target)
    except OSError as err:
        QMessageBox.warning(window, "Cannot save model", f"{folder}: {err.strerror or err}")
        return None
    window.settings.add_recent_model(str(main_target))
    window.refresh_recent()
    window.statusBar().showMessage(f"Saved {folder}", 5000)
    return main_target
