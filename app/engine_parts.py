"""The window's parts that need the engine (torch) or the plots (pyqtgraph), built on the
GUI thread once ``app.engine_loader.load_engine`` has imported them."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app import window_guards, window_layout
from app.controller import TrainingController
from app.engine_loader import OPTIONAL_PANELS
from app.menus import engine_ready
from app.model_store import ModelSlots
from app.panels.contrast_panel import ContrastPanel
from app.panels.generation_panel import GenerationPanel
from app.panels.runs_panel import RunsPanel
from app.panels.training_panel import TrainingPanel
from lstm_core.hardware import device_label, pick_device

if TYPE_CHECKING:
    from app.main_window import MainWindow

log = logging.getLogger(__name__)


def build_engine_parts(window: MainWindow) -> None:
    """Create the engine's panels, put them in place, wire them and enable the actions."""
    w = window
    w.models = ModelSlots(w)
    w.training = TrainingController(w)
    w.generation = GenerationPanel(w.tasks)
    w.contrast = ContrastPanel()
    w.dashboard = TrainingPanel(w.training, w.settings, w.data_dir / "runs")
    w.contrast.source = lambda: (w.generation.prompt.toPlainText(), w.generation.sampling_settings())
    w.runs = RunsPanel(w.data_dir / "runs")
    w.dashboard.before_start = lambda: window_guards.confirm_start(w)
    w.dashboard.options.documents = w.corpus.documents

    _hand_over_prompt(w)
    _add_optional_panels(w)
    w.tabs.addTab(window_layout.scrolling(w.runs), "Runs")
    w.docks["contrast"].setWidget(w.contrast)
    w.docks["training"].setWidget(w.dashboard)

    engine_ready(w)  # the menus were built with the window; what waited for the engine is enabled
    w.device_label.setText(f"Device: {device_label(pick_device('auto'))}")
    _connect(w)
    w._default_state = w.saveState()  # what View ▸ Reset Layout goes back to
    window_layout.restore_layout(w)
    w.refresh_recent()
    w._models_changed()
    w._training_state(w.training.state)
    w._generating_changed()


def _hand_over_prompt(w: MainWindow) -> None:
    """The real Generate page replaces the loading one, keeping what was typed and the caret."""
    early = w.early_prompt
    had_focus = early.hasFocus()
    prompt = w.generation.prompt
    prompt.setPlainText(early.toPlainText())
    cursor = prompt.textCursor()
    cursor.setPosition(min(early.textCursor().position(), len(prompt.toPlainText())))
    prompt.setTextCursor(cursor)
    current = w.tabs.currentIndex()
    loading_page = w.tabs.widget(0)
    w.tabs.removeTab(0)
    w.tabs.insertTab(0, window_layout.scrolling(w.generation), "Generate")
    w.tabs.setCurrentIndex(current)
    loading_page.deleteLater()
    if had_focus:
        prompt.setFocus()


def _add_optional_panels(w: MainWindow) -> None:
    for module_name, class_name, title in OPTIONAL_PANELS:
        try:
            panel: QWidget = getattr(importlib.import_module(module_name), class_name)()
        except ModuleNotFoundError:
            continue
        except Exception:  # a half-written panel must not take the window down
            log.exception("could not create %s", class_name)
            continue
        w.extra_panels.append(panel)
        w.tabs.addTab(window_layout.scrolling(panel), title)


def _connect(w: MainWindow) -> None:
    w.corpus.level_changed.connect(w.dashboard.options.level.setCurrentText)
    w.dashboard.options.level.currentTextChanged.connect(w.corpus.set_level)
    w.models.changed.connect(w._models_changed)
    w.dashboard.run_finished.connect(w._training_finished)
    w.dashboard.save_failed.connect(lambda event: window_guards.on_save_failed(w, event))
    w.runs.open_requested.connect(w.open_model)
    w.runs.resume_requested.connect(w._resume_run)
    w.runs.renamed.connect(w._run_renamed)
    w.training.state_changed.connect(w._training_state)
    w.contrast.train_rnn_requested.connect(w.train_rnn)
    w.generation.busy_changed.connect(
        lambda busy: w.statusBar().showMessage("Generating…" if busy else "Ready", 0 if busy else 3000)
    )
    w.generation.busy_changed.connect(w._generating_changed)
    w.contrast.busy_changed.connect(w._generating_changed)
