"""The window's parts that need the engine (torch) or the plots (pyqtgraph), built on the
GUI thread once ``app.engine_loader.load_engine`` has imported them.

``build_engine_parts`` only builds them and ties them to each other; the window puts them
in place and connects them to itself. A part that cannot be built raises: the window
reports it as the engine failing to load, never starts without one of its tabs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QTabWidget, QWidget

from app import window_layout
from app.background import Background
from app.controller import TrainingController
from app.loading_page import LoadingPage
from app.model_store import ModelSlots
from app.panels.contrast_panel import ContrastPanel
from app.panels.corpus_panel import CorpusPanel
from app.panels.explain_panel import ExplainPanel
from app.panels.gates_panel import GatesPanel
from app.panels.generation_panel import GenerationPanel
from app.panels.runs_panel import RunsPanel
from app.panels.training_panel import TrainingPanel
from app.settings import Settings
from lstm_core.hardware import device_label, pick_device


@dataclass(frozen=True)
class EngineParts:
    models: ModelSlots
    training: TrainingController
    generation: GenerationPanel  # the Generate tab
    contrast: ContrastPanel  # the LSTM vs RNN dock
    dashboard: TrainingPanel  # the Training dock
    runs: RunsPanel  # the Runs tab
    explain: ExplainPanel  # the Explain tab
    gates: GatesPanel  # the Gates tab
    device: str  # "Device: …", for the status bar


def build_engine_parts(
    *, parent: QWidget, tasks: Background, settings: Settings, data_dir: Path, corpus: CorpusPanel
) -> EngineParts:
    """Create the engine's panels, tied to each other and to the corpus panel.

    Each is the window's child from the start (its tab or dock takes it over): when a later
    one fails to build, those before it live and die with the window, on the GUI thread, and
    are never left to Python's collector, which may run on a worker thread and abort there.
    """
    models = ModelSlots(parent)
    training = TrainingController(parent)
    generation = GenerationPanel(tasks, parent)
    contrast = ContrastPanel(parent)
    dashboard = TrainingPanel(training, settings, data_dir / "runs", parent)
    contrast.source = lambda: (generation.prompt.toPlainText(), generation.sampling_settings())
    runs = RunsPanel(data_dir / "runs", parent)
    runs.loaded_checkpoints = lambda: [m.path for m in (models.main, models.rnn) if m is not None]
    # A run's row (its steps, its best loss) is read from its checkpoint: read again at each save.
    dashboard.checkpoint_saved.connect(lambda event: runs.refresh_run(event.path))
    dashboard.options.documents = corpus.documents
    corpus.level_changed.connect(dashboard.options.level.setCurrentText)
    dashboard.options.level.currentTextChanged.connect(corpus.set_level)
    return EngineParts(
        models=models,
        training=training,
        generation=generation,
        contrast=contrast,
        dashboard=dashboard,
        runs=runs,
        explain=ExplainPanel(parent),
        gates=GatesPanel(parent),
        device=f"Device: {device_label(pick_device('auto'))}",
    )


def hand_over_prompt(tabs: QTabWidget, loading_page: LoadingPage, generation: GenerationPanel) -> None:
    """The real Generate page replaces the loading one, keeping what was typed and the caret."""
    early = loading_page.prompt
    had_focus = early.hasFocus()
    prompt = generation.prompt
    prompt.setPlainText(early.toPlainText())
    cursor = prompt.textCursor()
    cursor.setPosition(min(early.textCursor().position(), len(prompt.toPlainText())))
    prompt.setTextCursor(cursor)
    current = tabs.currentIndex()
    tabs.removeTab(0)
    tabs.insertTab(0, window_layout.scrolling(generation), "Generate")
    tabs.setCurrentIndex(current)
    loading_page.deleteLater()
    if had_focus:
        prompt.setFocus()
