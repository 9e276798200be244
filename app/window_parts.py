"""What the main window's helpers may use of it: its public members, as a Protocol.

``app.menus``, ``app.model_file_actions``, ``app.model_files``, ``app.run_results``,
``app.window_defaults`` and ``app.window_guards`` are parts of the window kept in files of
their own. They take the window as a ``WindowParts`` instead of importing
``app.main_window`` back, so the window imports its helpers and none of them imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QDockWidget, QLabel, QMenu, QMenuBar, QStatusBar, QToolBar, QWidget

    from app.background import Background
    from app.controller import TrainingController
    from app.model_store import ModelSlots
    from app.panels.contrast_panel import ContrastPanel
    from app.panels.corpus_panel import CorpusPanel
    from app.panels.explain_panel import ExplainPanel
    from app.panels.gates_panel import GatesPanel
    from app.panels.generation_panel import GenerationPanel
    from app.panels.runs_panel import RunsPanel
    from app.panels.training_panel import TrainingPanel
    from app.settings import Settings


class WindowParts(Protocol):
    data_dir: Path
    actions_by_name: dict[str, QAction]  # by name: "open_model", "train", … (app.menus)
    settings: Settings
    tasks: Background
    corpus: CorpusPanel
    docks: dict[str, QDockWidget]
    recent_corpora_menu: QMenu
    recent_models_menu: QMenu
    unsaved_result: Path | None  # a finished run neither loaded nor saved
    save_failure_shown: bool  # one dialog per run, however many saves fail
    ready: bool  # the engine has loaded and the panels below are in place
    # Built once the engine has loaded; the actions that reach them are disabled until then.
    models: ModelSlots
    training: TrainingController
    generation: GenerationPanel
    contrast: ContrastPanel
    dashboard: TrainingPanel

    # QWidget.window() of the main window is the window itself: the parent of its dialogs.
    def window(self) -> QWidget: ...

    def statusBar(self) -> QStatusBar: ...

    def open_model(
        self, path: str | Path, *, quiet: bool = False, with_companion: bool = True, remember: bool = True
    ) -> bool: ...

    def open_corpus(self, paths: list[str], *, remember: bool = True) -> None: ...

    def refresh_recent(self) -> None: ...

    def save_model_as(self, target: str | Path | None = None) -> Path | None: ...


class MenuParts(WindowParts, Protocol):
    """The window as its menus see it: the commands they trigger and the bars they fill."""

    def menuBar(self) -> QMenuBar: ...

    def addToolBar(self, toolbar: QToolBar, /) -> None: ...

    def close(self) -> bool: ...

    def choose_model(self) -> None: ...

    def choose_run_folder(self) -> None: ...

    def open_demo(self) -> bool: ...

    def show_model_card(self) -> None: ...

    def stop_generating(self) -> None: ...

    def train_rnn(self) -> None: ...

    def reset_layout(self) -> None: ...


class TitleParts(WindowParts, Protocol):
    """The window as its title sees it (``app.window_title``)."""

    def setWindowTitle(self, title: str, /) -> None: ...

    def setWindowModified(self, modified: bool, /) -> None: ...


class StateParts(TitleParts, Protocol):
    """The window as ``app.window_state`` sees it: what shows the state."""

    model_label: QLabel
    runs: RunsPanel
    explain: ExplainPanel
    gates: GatesPanel
