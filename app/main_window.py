"""The main window: composition only. Panels do their own jobs; this file wires them."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QThread
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from app import __version__, model_files, resources, run_results, window_guards, window_layout
from app.background import Background
from app.controller import TrainingController
from app.error_log import open_log_folder, start_log_file
from app.menus import build_menus, fill_recent, recent_model_labels, shortcuts_text
from app.model_card import ModelCardDialog
from app.model_files import MAIN_MODEL_KEY
from app.model_store import ModelSlots
from app.panels.contrast_panel import ContrastPanel
from app.panels.corpus_panel import CorpusPanel
from app.panels.generation_panel import GenerationPanel
from app.panels.runs_panel import RunsPanel
from app.panels.training_panel import LAST_RUN_KEY, TrainingPanel
from app.settings import Settings, user_data_dir
from app.warmup import warm_up_torch
from lstm_core.hardware import device_label, pick_device
from training.corpus_stats import LoadedCorpus
from training.events import FinishedEvent

log = logging.getLogger(__name__)
OPTIONAL_PANELS = (
    ("app.panels.explain_panel", "ExplainPanel", "Explain"),
    ("app.panels.gates_panel", "GatesPanel", "Gates"),
)


class MainWindow(QMainWindow):
    def __init__(self, *, data_dir: Path | None = None, load_defaults: bool = True) -> None:
        super().__init__()
        # Before the window shows, not after: done later it freezes the first training
        # run's window for most of a second (benchmarks/gui_stall.py).
        warm_up_torch()
        self.setWindowTitle("LSTM Studio")
        self.setAcceptDrops(True)
        self.data_dir = data_dir or user_data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = Settings(self.data_dir)
        self.log_file = start_log_file(self.data_dir)  # every background failure, with its traceback
        self.tasks = Background(self)  # short jobs: reading a corpus, scoring candidates, timing
        self.models = ModelSlots(self)
        self.training = TrainingController(self)

        self.corpus = CorpusPanel(self.tasks)
        self.generation = GenerationPanel(self.tasks)
        self.contrast = ContrastPanel()
        self.dashboard = TrainingPanel(self.training, self.settings, self.data_dir / "runs")
        self.contrast.source = lambda: (
            self.generation.prompt.toPlainText(),
            self.generation.sampling_settings(),
        )
        self.runs = RunsPanel(self.data_dir / "runs")
        self.extra_panels: list[QWidget] = []
        self._shut_down = False  # after closeEvent, late queued results must not load anything
        # Quitting without closing the window (QApplication.quit) must stop the threads as well.
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.unsaved_result: Path | None = None  # a finished run neither loaded nor saved
        self.save_failure_shown = False  # one dialog per run, however many saves fail
        self.dashboard.before_start = lambda: window_guards.confirm_start(self)
        self.dashboard.options.documents = self.corpus.documents

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(window_layout.scrolling(self.generation), "Generate")
        self._add_optional_panels()
        self.tabs.addTab(window_layout.scrolling(self.runs), "Runs")
        self.setCentralWidget(self.tabs)
        area = Qt.DockWidgetArea
        self.docks = {
            "corpus": window_layout.add_dock(self, "Corpus", self.corpus, area.LeftDockWidgetArea),
            "contrast": window_layout.add_dock(self, "LSTM vs RNN", self.contrast, area.RightDockWidgetArea),
            "training": window_layout.add_dock(self, "Training", self.dashboard, area.BottomDockWidgetArea),
        }
        self.actions_by_name = build_menus(self)
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.actions_by_name["reset_layout"])

        self.model_label = QLabel("No model")
        self.device_label = QLabel(f"Device: {device_label(pick_device('auto'))}")
        self.statusBar().addPermanentWidget(self.model_label)
        self.statusBar().addPermanentWidget(self.device_label)

        self.corpus.loaded.connect(self._corpus_loaded)
        self.corpus.level_changed.connect(self.dashboard.options.level.setCurrentText)
        self.dashboard.options.level.currentTextChanged.connect(self.corpus.set_level)
        self.models.changed.connect(self._models_changed)
        self.dashboard.run_finished.connect(self._training_finished)
        self.dashboard.save_failed.connect(lambda event: window_guards.on_save_failed(self, event))
        self.runs.open_requested.connect(self.open_model)
        self.runs.resume_requested.connect(self._resume_run)
        self.runs.renamed.connect(self._run_renamed)
        self.training.state_changed.connect(self._training_state)
        self.contrast.train_rnn_requested.connect(self.train_rnn)
        self.generation.busy_changed.connect(
            lambda busy: self.statusBar().showMessage("Generating…" if busy else "Ready", 0 if busy else 3000)
        )
        self.generation.busy_changed.connect(self._generating_changed)
        self.contrast.busy_changed.connect(self._generating_changed)

        self._default_state = self.saveState()
        window_layout.restore_layout(self)
        self.refresh_recent()
        self._models_changed()
        self._training_state(self.training.state)
        self._generating_changed()
        if load_defaults:
            self.load_defaults()

    # ---- layout ------------------------------------------------------------------------
    def _add_optional_panels(self) -> None:
        """Panels other engineers provide; the window works without them."""
        for module_name, class_name, title in OPTIONAL_PANELS:
            try:
                panel = getattr(importlib.import_module(module_name), class_name)()
            except ModuleNotFoundError:
                continue
            except Exception:  # a half-written panel must not take the window down
                log.exception("could not create %s", class_name)
                continue
            self.extra_panels.append(panel)
            self.tabs.addTab(window_layout.scrolling(panel), title)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in self.docks.values():
            dock.show()
        window_layout.size_docks(self)

    # ---- defaults and recents ----------------------------------------------------------
    def load_defaults(self) -> None:
        """First launch: the demo corpus and models. Later: whatever was last used."""
        recent = self.settings.recent_corpora()
        corpus = recent[0] if recent else None
        if corpus is None or not all(Path(p).exists() for p in corpus):
            demo = resources.demo_corpus()
            corpus = [str(demo)] if demo else None
        if corpus:
            self.open_corpus(corpus, remember=bool(recent and corpus == recent[0]))
        main = self.settings.get_str(MAIN_MODEL_KEY)
        if main and Path(main).is_file() and self.open_model(main, quiet=True):
            return
        for cell in ("lstm", "rnn"):
            path = resources.demo_model(cell)
            if path is not None:
                self.open_model(path, quiet=True, with_companion=False, remember=False)

    def refresh_recent(self) -> None:
        corpora = self.settings.recent_corpora()
        fill_recent(
            self.recent_corpora_menu,
            ["\n".join(c) for c in corpora],
            [", ".join(Path(p).name for p in c) for c in corpora],
            lambda entry: self.open_corpus(entry.split("\n")),
        )
        models = self.settings.recent_models()
        fill_recent(
            self.recent_models_menu, models, recent_model_labels(models), lambda entry: self.open_model(entry)
        )

    # ---- corpus ------------------------------------------------------------------------
    def open_corpus(self, paths: list[str], *, remember: bool = True) -> None:
        self._remember_corpus = remember
        self.corpus.load(paths)

    def _corpus_loaded(self, loaded: LoadedCorpus) -> None:
        self.dashboard.set_corpus(loaded.paths)
        if getattr(self, "_remember_corpus", True) and not all(
            resources.is_inside_assets(p) for p in loaded.paths
        ):
            self.settings.add_recent_corpus(list(loaded.paths))
            self.refresh_recent()
        self._remember_corpus = True
        self.statusBar().showMessage(f"Corpus: {loaded.corpus.describe()}", 5000)

    # ---- models (app.model_files) -------------------------------------------------------
    def open_model(
        self, path: str | Path, *, quiet: bool = False, with_companion: bool = True, remember: bool = True
    ) -> bool:
        """Load a checkpoint (and the RNN trained beside it); errors become a dialog."""
        return model_files.open_model(
            self, path, quiet=quiet, with_companion=with_companion, remember=remember
        )

    def choose_model(self) -> None:
        model_files.choose_model(self)

    def choose_run_folder(self) -> None:
        model_files.choose_run_folder(self)

    def save_model_as(self, target: str | Path | None = None) -> Path | None:
        return model_files.save_model_as(self, target)

    def open_demo(self) -> bool:
        return model_files.open_demo(self)

    def show_model_card(self) -> None:
        if self.models.main is None:
            QMessageBox.information(self, "No model", "Open or train a model first.")
            return
        ModelCardDialog(self.models.main, self, contrast=self.models.rnn, tasks=self.tasks).exec()

    def _models_changed(self) -> None:
        main, rnn = self.models.main, self.models.rnn
        self.generation.set_model(main)
        self.contrast.set_models(main, rnn)
        for panel in self.extra_panels:
            try:
                panel.set_models(main, rnn)
            except Exception:
                log.exception("%s.set_models failed", type(panel).__name__)
        if main is None:
            label = "No model"
        else:
            label = main.run_label() + (" · + its RNN" if rnn is not None else " · no RNN")
        self.model_label.setText(label)
        if main is not None:
            # The corpus panel counts tokens at the loaded model's level, not a stale one.
            self.corpus.level.setCurrentText(main.tokenizer.level)
        has = main is not None
        for name in ("save_model", "model_card"):
            self.actions_by_name[name].setEnabled(has)

    # ---- training ----------------------------------------------------------------------
    def train_rnn(self) -> None:
        run_results.train_rnn(self)

    def _training_finished(self, results: list[FinishedEvent]) -> None:
        if self._shut_down:
            return  # a cancelled run's results, queued while the window closed
        self.runs.refresh()
        run_results.handle_finished(self, results)

    def _resume_run(self, folder: Path) -> None:
        self.dashboard.resume_run(folder)
        self.docks["training"].raise_()

    def _run_renamed(self, old: Path, new: Path) -> None:
        if self.settings.get_str(LAST_RUN_KEY) == str(old):
            self.settings.set_str(LAST_RUN_KEY, str(new))
        for model in (self.models.main, self.models.rnn):
            if model is not None and old in model.path.parents:
                self.open_model(new, remember=False)  # the loaded files moved with their folder
                break
        self.dashboard.set_corpus(self.dashboard.corpus_paths)  # Resume's text names the run

    def _training_state(self, state: str) -> None:
        idle = state == "idle"
        self.actions_by_name["train"].setEnabled(idle)
        self.actions_by_name["pause"].setEnabled(state == "running")
        self.actions_by_name["stop_training"].setEnabled(state in ("running", "paused"))
        # The dashboard has just decided (it connected first): F7 works exactly when its button does.
        self.actions_by_name["resume"].setEnabled(self.dashboard.resume_button.isEnabled())
        self.contrast.set_training(not idle)
        if state == "running":
            self.save_failure_shown = False
        elif idle:
            self.runs.refresh()

    def stop_generating(self) -> None:
        self.generation.stop()
        self.contrast.stop()

    def _generating_changed(self, _busy: bool = False) -> None:
        # Enabled exactly while something generates: the signal of the other one may lag.
        busy = self.generation.runner.running or self.contrast.running
        self.actions_by_name["stop"].setEnabled(busy)

    # ---- drag and drop -----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        model_files.open_paths(self, [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    # ---- about and closing -------------------------------------------------------------
    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About LSTM Studio",
            f"<b>LSTM Studio {__version__}</b><br>Train LSTM and vanilla RNN language models on your "
            f"own text, generate with them and compare them.<br><br>Your data: {self.data_dir}",
        )

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", shortcuts_text(self.actions_by_name))

    def open_log_folder(self) -> None:
        if not open_log_folder(self.data_dir):
            self.statusBar().showMessage(f"Could not open {self.log_file.parent}", 8000)

    def shutdown(self) -> None:
        """Stop every background thread and wait for it: nothing outlives the window."""
        if self._shut_down:
            return
        self._shut_down = True
        self.training.shutdown()
        self.generation.runner.shutdown()
        self.contrast.shutdown()
        self.tasks.shutdown()
        for panel in self.extra_panels:
            self._shutdown_panel(panel)
        for background in self.findChildren(Background):  # any other part's jobs, too
            background.shutdown()

    @staticmethod
    def _shutdown_panel(panel: QWidget) -> None:
        # Other engineers' panels may own threads: ask them to stop, then make sure.
        try:
            stop = getattr(panel, "shutdown", None)
            if callable(stop):
                stop()
        except Exception:
            log.exception("%s.shutdown failed", type(panel).__name__)
        for thread in panel.findChildren(QThread):
            if thread.isRunning():
                thread.quit()
                thread.wait(5000)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._shut_down and not window_guards.confirm_quit(self):
            event.ignore()
            return
        window_layout.save_layout(self)
        if self.training.running:
            self.statusBar().showMessage("Stopping training: saving a checkpoint…")
        self.shutdown()
        super().closeEvent(event)
