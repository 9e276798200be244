"""The main window: composition only. Panels do their own jobs; this file wires them.

The window shows before the engine has loaded: the corpus panel and a prompt box work at
once, the rest ("Loading the engine…") arrives when ``app.engine_loader`` has imported torch
and the plots on a background thread (``app.engine_parts`` builds it, this file wires it).
Only light modules are imported here: importing this file must not import torch. The
helpers in files of their own see the window through ``app.window_parts``, never this file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMenu, QMessageBox, QTabWidget

from app import window_defaults, window_layout, window_state
from app.background import Background, describe_error
from app.engine_loader import StageReport, load_engine, shutdown_panel, warm_up_after_ready
from app.error_log import start_log_file
from app.loading_page import LOADING, LoadingPage, stage_reporter
from app.menus import build_menus, engine_ready, engine_waiting
from app.model_file_actions import ModelFileActions
from app.panels.corpus_panel import CorpusPanel, describe
from app.session_text import SessionText
from app.settings import Settings, user_data_dir
from app.status_bar import ElidedLabel, ElidingStatusBar
from app.wheel_guard import WheelGuard, guard_wheels
from app.window_title import refresh_title

if TYPE_CHECKING:
    from app.controller import TrainingController, TrainingState
    from app.engine_parts import EngineParts
    from app.model_store import ModelSlots
    from app.panels.contrast_panel import ContrastPanel
    from app.panels.explain_panel import ExplainPanel
    from app.panels.gates_panel import GatesPanel
    from app.panels.generation_panel import GenerationPanel
    from app.panels.runs_panel import RunsPanel
    from app.panels.training_panel import TrainingPanel
    from training.common.events import FinishedEvent
    from training.data.corpus_stats import LoadedCorpus

log = logging.getLogger(__name__)


class MainWindow(ModelFileActions, QMainWindow):
    engine_ready = Signal()  # no payload: every panel and action is in place and enabled
    engine_failed = Signal(str)  # why the engine could not load

    # Built by app.engine_parts once the engine has loaded.
    models: ModelSlots
    training: TrainingController
    generation: GenerationPanel
    contrast: ContrastPanel
    dashboard: TrainingPanel
    runs: RunsPanel
    explain: ExplainPanel
    gates: GatesPanel
    # Built by app.menus with the window, before the engine.
    actions_by_name: dict[str, QAction]
    view_menu: QMenu
    recent_corpora_menu: QMenu
    recent_models_menu: QMenu

    def __init__(
        self,
        *,
        data_dir: Path | None = None,
        load_defaults: bool = True,
        engine_loader: Callable[[StageReport], object] | None = None,
    ) -> None:
        """``engine_loader`` None loads the engine here, before returning (tests, the
        self-test), and a failure raises; given, it runs on a background thread once the
        window has been shown, and a failure becomes a dialog and ``engine_failed``."""
        super().__init__()
        self.setAcceptDrops(True)
        self.data_dir = data_dir or user_data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = Settings(self.data_dir)
        self.log_file = start_log_file(self.data_dir)  # every background failure, with its traceback
        self.tasks = Background(self)  # short jobs: reading a corpus, scoring candidates, timing
        self.ready = False  # the engine has loaded and its panels are in place
        self._after_ready: list[Callable[[], object]] = []
        self._load_defaults = load_defaults
        self._engine_loader = engine_loader
        self._loader_started = False
        self._default_state = QByteArray()  # what View ▸ Reset Layout goes back to, once the engine is in
        self._remember_corpus = True  # whether the corpus loading now joins File ▸ Recent Corpora
        self._shut_down = False  # after closeEvent, late queued results must not load anything
        self.unsaved_result: Path | None = None  # a finished run neither loaded nor saved
        self.save_failure_shown = False  # one dialog per run, however many saves fail
        self._wheel_guard = WheelGuard(self)  # the wheel scrolls pages, not the fields under it
        # Quitting without closing the window (QApplication.quit) must stop the threads as well.
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

        self.corpus = CorpusPanel(self.tasks)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.loading_page = LoadingPage()
        self.early_prompt = self.loading_page.prompt  # what is typed here moves to the real prompt
        self.tabs.addTab(self.loading_page, "Generate")
        self.setCentralWidget(self.tabs)
        self.docks = window_layout.add_docks(self, self.corpus)
        menus = build_menus(self)  # the full menu bar from the first frame
        self.actions_by_name, self.view_menu = menus.actions, menus.view
        self.recent_corpora_menu, self.recent_models_menu = menus.recent_corpora, menus.recent_models
        window_defaults.refresh_recent_corpora(self)
        self.setStatusBar(ElidingStatusBar())  # a long message ends in "…", whole in its tooltip
        self.model_label: QLabel = ElidedLabel("No model")
        self.device_label = QLabel("Device: …")
        self.statusBar().addPermanentWidget(self.model_label)
        self.statusBar().addPermanentWidget(self.device_label)
        self.statusBar().showMessage(LOADING)
        self.corpus.loaded.connect(self._corpus_loaded)
        refresh_title(self)  # "LSTM Studio" until a corpus or a model names the window
        geometry = self.settings.get_bytes("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*window_layout.default_size())
        if engine_loader is None:
            load_engine()
            self._engine_loaded()

    # ---- the engine --------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._engine_loader is not None and not self._loader_started:
            self._loader_started = True
            # After the first paint, which is queued already: the window is readable first.
            QTimer.singleShot(0, self._start_loader)

    def _start_loader(self) -> None:
        loader = self._engine_loader
        if loader is None or self._shut_down:
            return
        self.tasks.run(
            lambda report: loader(report),
            on_event=stage_reporter(self),
            on_done=lambda _result: self._engine_loaded(),
            on_error=self._engine_load_failed,
            name="load engine",
        )

    def _engine_loaded(self) -> None:
        if self._shut_down or self.ready:
            return
        parts = self._build_engine_parts()
        if parts is None:
            return
        self._put_in_place(parts)
        self.ready = True
        refresh_title(self)
        if self._load_defaults:  # before "Ready": no frame says Ready beside "No model"
            self.load_defaults()
        self.statusBar().showMessage("Ready", 3000)
        waiting, self._after_ready = self._after_ready, []
        for callback in waiting:
            callback()
        self.engine_ready.emit()
        if not self._shut_down:  # a slot of engine_ready may have closed the window
            warm_up_after_ready(self)

    def _build_engine_parts(self) -> EngineParts | None:
        from app.engine_parts import build_engine_parts

        try:
            return build_engine_parts(
                parent=self,
                tasks=self.tasks,
                settings=self.settings,
                data_dir=self.data_dir,
                corpus=self.corpus,
            )
        except Exception as err:
            if self._engine_loader is None:
                raise  # loading in the constructor: its caller sees why
            # Here from the loader's on_done: an exception would end in Qt's slot, unseen.
            log.exception("could not build the engine's panels")
            self._engine_load_failed(describe_error(err))
            return None

    def _put_in_place(self, parts: EngineParts) -> None:
        """The engine's parts into their tabs and docks, wired to the window; then the
        actions that waited for them are enabled."""
        from app import window_guards
        from app.engine_parts import hand_over_prompt

        self.models, self.training, self.runs = parts.models, parts.training, parts.runs
        self.generation, self.contrast, self.dashboard = parts.generation, parts.contrast, parts.dashboard
        self.explain, self.gates = parts.explain, parts.gates
        self.dashboard.before_start = lambda: window_guards.confirm_start(self)
        hand_over_prompt(self.tabs, self.loading_page, self.generation)
        self.session_text = SessionText(self.generation.prompt, self.generation.editor, self.data_dir)
        self.session_text.restore()
        for panel, title in ((self.explain, "Explain"), (self.gates, "Gates"), (self.runs, "Runs")):
            self.tabs.addTab(window_layout.scrolling(panel), title)
        self.docks["contrast"].setWidget(self.contrast)
        self.docks["training"].setWidget(self.dashboard)
        # The menus were built with the window; what waited for the engine is enabled.
        engine_ready(self.actions_by_name, self.recent_models_menu, self.generation.suggest)
        self.device_label.setText(parts.device)
        self._connect()
        self._default_state = self.saveState()
        window_layout.restore_layout(self, self.settings, self.docks)
        self.refresh_recent()
        self._models_changed()
        self._training_state(self.training.state)
        self._generating_changed()
        guard_wheels(self, self._wheel_guard)

    def _connect(self) -> None:
        from app import model_files, run_results

        self.models.changed.connect(self._models_changed)
        self.dashboard.run_finished.connect(self._training_finished)
        self.dashboard.save_failed.connect(lambda event: model_files.on_save_failed(self, event))
        self.runs.open_requested.connect(self.open_model)
        self.runs.resume_requested.connect(lambda folder: run_results.resume_run(self, folder))
        self.runs.renamed.connect(lambda old, new: run_results.follow_renamed_run(self, old, new))
        self.training.state_changed.connect(self._training_state)
        self.contrast.train_rnn_requested.connect(self.train_rnn)
        self.generation.busy_changed.connect(lambda busy: window_state.say_generating(self, busy))
        self.generation.busy_changed.connect(self._generating_changed)
        self.contrast.busy_changed.connect(self._generating_changed)
        self.generation.editor.modificationChanged.connect(lambda _changed: refresh_title(self))

    def _engine_load_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"The engine could not load: {message}")
        engine_waiting(self.actions_by_name, f"The engine could not load: {message}", self.recent_models_menu)
        QMessageBox.critical(self, "Engine error", message)
        self.engine_failed.emit(message)

    def when_ready(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` now if the engine has loaded, else as soon as it has."""
        if self.ready:
            callback()
        else:
            self._after_ready.append(callback)

    # ---- layout ------------------------------------------------------------------------
    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in self.docks.values():
            dock.show()
        window_layout.size_docks(self, self.docks)

    # ---- defaults and recents ----------------------------------------------------------
    def load_defaults(self) -> None:
        """First launch: the demo corpus and models. Later: whatever was last used."""
        window_defaults.load_defaults(self)

    def refresh_recent(self) -> None:
        window_defaults.refresh_recent(self)

    # ---- corpus ------------------------------------------------------------------------
    def open_corpus(self, paths: list[str], *, remember: bool = True) -> None:
        self._remember_corpus = remember
        self.corpus.load(paths)

    def _corpus_loaded(self, loaded: LoadedCorpus) -> None:
        remember, self._remember_corpus = self._remember_corpus, True
        self.statusBar().showMessage(f"Corpus: {describe(loaded.corpus)}", 5000)
        refresh_title(self)
        self.when_ready(lambda: window_defaults.use_corpus(self, loaded, remember=remember))

    def _models_changed(self) -> None:
        window_state.models_changed(self)

    # ---- training ----------------------------------------------------------------------
    def train_rnn(self) -> None:
        from app import run_results

        run_results.train_rnn(self)

    def _training_finished(self, results: list[FinishedEvent]) -> None:
        if self._shut_down:
            return  # a cancelled run's results, queued while the window closed
        from app import run_results

        self.dashboard.plots.run_ended()
        self.runs.refresh()
        run_results.handle_finished(self, results)

    def _training_state(self, state: TrainingState) -> None:
        window_state.training_state_changed(self, state)

    def stop_generating(self) -> None:
        self.generation.stop()
        self.contrast.stop()

    def _generating_changed(self, _busy: bool = False) -> None:
        window_state.generating_changed(self)

    # ---- drag and drop -----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.when_ready(lambda: self._open_dropped(paths))

    def _open_dropped(self, paths: list[str]) -> None:
        from app import model_files

        model_files.open_paths(self, paths)

    # ---- closing -----------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop every background thread and wait for it: nothing outlives the window.

        Runs when the window closes and again when the application quits. The event loop
        turns in between (quitting closes the windows first), so a short job started then,
        by a timer that fired, is waited for the second time."""
        if not self._shut_down:
            self._shut_down = True
            if self.ready:
                self.training.shutdown()
                self.generation.assist.stop()
                self.generation.runner.shutdown()
                self.session_text.save()  # after the last streamed text is in
                self.contrast.shutdown()
                shutdown_panel(self.explain)
                shutdown_panel(self.gates)
        self.tasks.shutdown()  # a loading engine included: its import ends, then its thread
        for background in self.findChildren(Background):  # any other part's jobs, too
            background.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.ready:  # nothing to save or confirm yet; the layout is not complete either
            self.shutdown()
            super().closeEvent(event)
            return
        from app import window_guards

        if not self._shut_down and not window_guards.confirm_quit(self):
            event.ignore()
            return
        window_layout.save_layout(self, self.settings)
        if self.training.running:
            self.statusBar().showMessage("Stopping training: saving a checkpoint…")
        self.shutdown()
        super().closeEvent(event)
