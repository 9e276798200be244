"""File ▸ Export ONNX…: the loaded model as ONNX files that run without PyTorch.

The engine's ``training.checkpoints.export_onnx`` writes step.onnx, prompt.onnx,
tokenizer.json and model.json into a folder, each file whole or not at all. It takes a
few seconds, so it runs in the background like the window's other long actions. The
``onnx`` package it needs is optional (the standalone program leaves it out): without it
the window says so, and how to add it, before anything starts.
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

if TYPE_CHECKING:
    from app.model_store import LoadedModel
    from app.window_parts import WindowParts

ONNX_FOLDER_KEY = "onnx/last_folder"  # where the last export was written
ONNX_MISSING = (
    "Exporting to ONNX needs the onnx package, which is not installed with this copy of "
    "LSTM Studio. Install it (pip install onnx) into the Python that runs LSTM Studio, then "
    "try again; or export from a command line that has it: lstm-studio export RUN OUT."
)


def onnx_installed() -> bool:
    return importlib.util.find_spec("onnx") is not None


def suggested_folder(window: WindowParts, loaded: LoadedModel) -> Path:
    """Beside the run folder (the data folder for the shipped demo), or where the last went."""
    last = window.settings.get_str(ONNX_FOLDER_KEY)
    run = loaded.path.parent
    folder = (
        Path(last) if last and Path(last).is_dir() else (window.data_dir if loaded.is_demo else run.parent)
    )
    return folder / f"{'demo' if loaded.is_demo else run.name}-onnx"


def ask_folder(window: WindowParts, loaded: LoadedModel) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(
        window.window(),
        "Export ONNX into a folder (type a new name)",
        str(suggested_folder(window, loaded)),
        "Folder (*)",
        options=QFileDialog.Option.DontConfirmOverwrite,
    )
    return Path(name) if name else None


def export_model(loaded: LoadedModel, folder: Path) -> list[Path]:
    """On the worker thread. The engine casts the model it is given to float32 on the CPU in
    place; a copy keeps the loaded one as the window uses it."""
    from training.checkpoints.export_onnx import export_onnx

    return export_onnx(copy.deepcopy(loaded.model), loaded.tokenizer, folder)


def export_onnx_from_window(window: WindowParts, target: str | Path | None = None) -> bool:
    """Ask for a folder (unless ``target`` is given) and export there in the background;
    False when nothing was started."""
    loaded = window.models.main
    parent = window.window()
    if loaded is None:
        QMessageBox.information(parent, "No model", "Open or train a model first.")
        return False
    if not onnx_installed():
        QMessageBox.warning(parent, "Cannot export", ONNX_MISSING)
        return False
    folder = Path(target) if target is not None else ask_folder(window, loaded)
    if folder is None:
        return False
    action = window.actions_by_name["export_onnx"]
    action.setEnabled(False)  # one export at a time
    window.statusBar().showMessage(f"Exporting {loaded.run_name} to ONNX in {folder}…")

    def done(files: list[Path]) -> None:
        action.setEnabled(window.models.main is not None)
        window.settings.set_str(ONNX_FOLDER_KEY, str(folder.parent))
        names = ", ".join(f.name for f in files)
        window.statusBar().showMessage(f"Exported to {folder}: {names}", 15000)

    def failed(message: str) -> None:
        action.setEnabled(window.models.main is not None)
        window.statusBar().showMessage("The ONNX export failed", 8000)
        QMessageBox.warning(parent, "Export failed", f"Nothing was exported to {folder}: {message}")

    window.tasks.run(
        lambda _report: export_model(loaded, folder), on_done=done, on_error=failed, name="export onnx"
    )
    return True
