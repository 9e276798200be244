"""File ▸ Save Text As…: the Generate tab's text into a UTF-8 file.

Written whole or not at all (``training.checkpoints.output_files``: a temporary file beside
it, renamed into place), so a full disk leaves an older file as it was; a failure is a
dialog that names the file and the reason. The folder is remembered for next time.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from training.checkpoints.output_files import write_files_whole

if TYPE_CHECKING:
    from app.window_parts import WindowParts

TEXT_FOLDER_KEY = "text/last_folder"  # where Save Text As opened and saved last
TEXT_FILTER = "Text files (*.txt);;All files (*)"


def suggested_text_path(window: WindowParts) -> Path:
    last = window.settings.get_str(TEXT_FOLDER_KEY)
    folder = Path(last) if last and Path(last).is_dir() else Path.home()
    return folder / "generated.txt"


def ask_text_path(window: WindowParts) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(
        window.window(), "Save text as", str(suggested_text_path(window)), TEXT_FILTER
    )
    return Path(name) if name else None


def write_text_file(path: Path, text: str) -> None:
    """``text`` as UTF-8, whole or not at all; raises OSError naming the file and the reason."""
    # newline="": the text's own "\n" line ends, on every system, as the editor holds them.
    write_files_whole({path: lambda temp: temp.write_text(text, encoding="utf-8", newline="")})


def save_text_as(window: WindowParts, target: str | Path | None = None) -> Path | None:
    """Ask for a file (unless ``target`` is given) and save the Generate tab's text there."""
    path = Path(target) if target is not None else ask_text_path(window)
    if path is None:
        return None
    document = window.generation.editor.document()
    try:
        write_text_file(path, document.toPlainText())
    except OSError as err:  # OutputWriteError names the file; others get it named here
        message = str(err) if str(path) in str(err) else f"cannot write {path}: {err.strerror or err}"
        QMessageBox.warning(window.window(), "Cannot save", f"The text was not saved: {message}.")
        return None
    document.setModified(False)  # the title's asterisk goes: what is on show is saved
    window.settings.set_str(TEXT_FOLDER_KEY, str(path.parent))
    window.statusBar().showMessage(f"Saved the text to {path}", 5000)
    return path
