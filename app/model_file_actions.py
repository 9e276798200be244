"""The window's model commands (File ▸ Open Model, Save Model As, the model card), as
methods. ``app.model_files`` needs the engine, so each imports it when called: by then
the engine has loaded, and importing the window alone still does not load torch."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

if TYPE_CHECKING:
    from app.window_parts import WindowParts


class ModelFileActions:
    def open_model(
        self: WindowParts,
        path: str | Path,
        *,
        quiet: bool = False,
        with_companion: bool = True,
        remember: bool = True,
    ) -> bool:
        """Load a checkpoint (and the RNN trained beside it); errors become a dialog."""
        from app import model_files

        return model_files.open_model(
            self, path, quiet=quiet, with_companion=with_companion, remember=remember
        )

    def choose_model(self: WindowParts) -> None:
        from app import model_files

        model_files.choose_model(self)

    def choose_run_folder(self: WindowParts) -> None:
        from app import model_files

        model_files.choose_run_folder(self)

    def save_model_as(self: WindowParts, target: str | Path | None = None) -> Path | None:
        from app import model_files

        return model_files.save_model_as(self, target)

    def open_demo(self: WindowParts) -> bool:
        from app import model_files

        return model_files.open_demo(self)

    def show_model_card(self: WindowParts) -> None:
        if self.models.main is None:
            QMessageBox.information(self.window(), "No model", "Open or train a model first.")
            return
        from app.model_card import ModelCardDialog

        ModelCardDialog(self.models.main, self.window(), contrast=self.models.rnn, tasks=self.tasks).exec()
