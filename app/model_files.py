"""Opening and saving models from the window: File ▸ Open Model, Open Run Folder, Save Model As,
and the offer of another folder when a running run's checkpoint cannot be written.

Small keyword-only operations on the window, each callable from a menu, a drop,
the self-test or a test; errors become a dialog and a status-bar line.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from app import model_store, resources
from app.window_guards import ask, offer_fallback
from training.checkpoints.checkpoint import RNN_SUBDIR, CheckpointError

if TYPE_CHECKING:
    from app.window_parts import WindowParts
    from training.common.events import SaveFailedEvent

MAIN_MODEL_KEY = "models/main"  # the settings key of the last main model, reopened at start


def open_model(
    window: WindowParts,
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
        window.statusBar().showMessage(f"Cannot open model: {err}", 8000)
        if quiet:
            return False
        fallback = offer_fallback(window.window(), err) if isinstance(err, CheckpointError) else None
        if fallback is not None:
            return open_model(window, fallback, with_companion=with_companion, remember=remember)
        QMessageBox.warning(window.window(), "Cannot open", str(err))
        return False
    if loaded.cell == "rnn":
        window.models.put(loaded)  # beside the loaded main model, for contrast
    else:
        # The RNN shown and saved with a model is the one trained with it, or none.
        window.models.put_main(loaded, rnn)
    if remember and not resources.is_inside_assets(loaded.path):
        window.settings.add_recent_model(str(loaded.path))
        if loaded.cell != "rnn":
            window.settings.set_str(MAIN_MODEL_KEY, str(loaded.path))
        window.refresh_recent()
    return True


LAST_FOLDER_KEY = "models/last_folder"  # where Open Model and Save Model As start


def last_folder(window: WindowParts) -> Path | None:
    last = window.settings.get_str(LAST_FOLDER_KEY)
    return Path(last) if last and Path(last).is_dir() else None


def start_folder(window: WindowParts) -> str:
    return str(last_folder(window) or window.data_dir / "runs")


def choose_model(window: WindowParts) -> None:
    path, _ = QFileDialog.getOpenFileName(
        window.window(), "Open model", start_folder(window), "Checkpoints (*.safetensors)"
    )
    if path:
        window.settings.set_str(LAST_FOLDER_KEY, str(Path(path).parent.parent))
        open_model(window, path)


def choose_run_folder(window: WindowParts) -> None:
    folder = QFileDialog.getExistingDirectory(window.window(), "Open a run folder", start_folder(window))
    if folder:
        open_model(window, folder)


def open_demo(window: WindowParts) -> bool:
    """Back to the built-in demo models (File ▸ Open Built-in Demo)."""
    lstm, rnn = resources.demo_model("lstm"), resources.demo_model("rnn")
    if lstm is None:
        QMessageBox.information(
            window.window(), "No demo", "The built-in demo models are not part of this copy."
        )
        return False
    if not open_model(window, lstm, with_companion=False, remember=False):
        return False
    if rnn is not None:
        open_model(window, rnn, remember=False)
    window.settings.set_str(MAIN_MODEL_KEY, "")  # the next start opens the demo too
    return True


def ask_save_folder(window: WindowParts) -> Path | None:
    """A new folder name (or an existing run folder) to save into; None when cancelled."""
    name, _ = QFileDialog.getSaveFileName(
        window.window(),
        "Save as a run folder (type a new name)",
        str(suggested_save_path(window)),
        "Run folder (*)",
        options=QFileDialog.Option.DontConfirmOverwrite,
    )
    return Path(name) if name else None


def suggested_save_path(window: WindowParts) -> Path:
    """Where Save As opens: the last folder saved or opened into, else the one holding the
    loaded run folder; never that run folder itself. The name it suggests is not a folder
    yet: the dialog opens inside a suggested folder that exists."""
    loaded = window.models.main
    run = None if loaded is None or loaded.is_demo else loaded.path.parent
    folder = last_folder(window)
    if folder is None or (run is not None and _within(folder, run)):
        folder = run.parent if run is not None else window.data_dir / "runs"
    return unused_path(folder, run.name if run is not None else "model")


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def unused_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-copy``, ``name-copy-2``… where that is taken."""
    candidates = [name, f"{name}-copy", *(f"{name}-copy-{n}" for n in range(2, 1000))]
    return next((folder / c for c in candidates if not (folder / c).exists()), folder / name)


def save_model_as(window: WindowParts, target: str | Path | None = None) -> Path | None:
    """Save as a run folder, the CLI's layout: DIR/checkpoint.safetensors and, when an RNN is
    loaded for contrast, DIR/rnn/checkpoint.safetensors. Opening DIR brings both back.
    The folder may be new: it is created."""
    loaded = window.models.main
    if loaded is None:
        QMessageBox.information(window.window(), "No model", "There is no model to save yet.")
        return None
    if target is None:
        target = ask_save_folder(window)
        if target is None:
            return None
    folder = Path(target)
    if folder.suffix == ".safetensors":  # a checkpoint's path names its run folder
        folder = folder.parent
    main_target = folder / resources.CHECKPOINT
    if folder.exists() and not folder.is_dir():
        QMessageBox.warning(window.window(), "Cannot save", f"{folder} is a file, not a folder.")
        return None
    if main_target.exists() and main_target.resolve() == loaded.path.resolve():
        QMessageBox.information(window.window(), "Already saved", f"The model is already saved in {folder}.")
        return main_target
    rnn_target = folder / RNN_SUBDIR / resources.CHECKPOINT
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(loaded.path, main_target)  # a checkpoint is self-contained: weights, tokenizer, meta
        rnn = window.models.rnn
        if rnn is not None:
            rnn_target.parent.mkdir(exist_ok=True)
            shutil.copy2(rnn.path, rnn_target)
        elif rnn_target.exists():
            rnn_target.unlink()  # an RNN left from an earlier save would reopen beside this model
    except OSError as err:
        QMessageBox.warning(window.window(), "Cannot save", f"{folder}: {err.strerror or err}")
        return None
    window.settings.add_recent_model(str(main_target))
    window.settings.set_str(LAST_FOLDER_KEY, str(folder.parent))
    window.unsaved_result = None
    window.refresh_recent()
    window.statusBar().showMessage(f"Saved {folder}", 5000)
    return main_target


def on_save_failed(window: WindowParts, event: SaveFailedEvent) -> None:
    """Once per run: the message, and an offer to save the run (its state in memory) into
    another folder from now on; once the run has ended, Save As for the loaded model."""
    window.statusBar().showMessage(f"Checkpoint not saved: {event.message}", 15000)
    if window.save_failure_shown:
        return
    window.save_failure_shown = True
    if not ask(
        window.window(),
        "Save failed",
        f"{event.message}\n\nTraining goes on with its state in memory; the previous checkpoint "
        f"in {event.folder} is untouched. Free some space, or choose another folder and the run "
        "is saved there now and from then on.\n\nSave the run elsewhere?",
        default_yes=False,
    ):
        return
    if not window.training.running:
        window.save_model_as()
        return
    folder = ask_save_folder(window)
    if folder is not None and window.training.save_elsewhere(folder):
        window.statusBar().showMessage(f"The run now saves into {folder}", 15000)


def open_paths(window: WindowParts, paths: list[str]) -> None:
    """Dropped or named on the command line: checkpoints open as models, the rest as one corpus."""
    models = [p for p in paths if p.endswith(".safetensors")]
    texts = [p for p in paths if p not in models]
    for m in models:
        open_model(window, m)
    if texts:
        window.open_corpus(texts)
