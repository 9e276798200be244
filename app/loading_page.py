"""What stands in for the engine's panels while it loads: a prompt box that already takes
typing, Generate greyed out, and a line that says what is happening."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

LOADING = "Loading the engine…"
LOADING_LABEL = "loading-label"  # object name of every stand-in label, for show_loading_stage


def loading_label() -> QLabel:
    label = QLabel(LOADING)
    label.setObjectName(LOADING_LABEL)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def loading_stage_text(stage: str, seconds: float) -> str:
    """ "Loading the engine: importing PyTorch… (4 s)": what it waits for, and for how long."""
    return f"Loading the engine: {stage}… ({seconds:.0f} s)"


def stage_reporter(window: QMainWindow) -> Callable[[object], None]:
    """What the engine loader's stage reports do on the GUI thread: the same words in the
    status bar and in every place that stands in for the engine, until the engine is ready."""
    started = time.monotonic()

    def show(stage: object) -> None:
        if getattr(window, "ready", False):
            return  # a report queued behind the last one: the panels are in place already
        text = loading_stage_text(str(stage), time.monotonic() - started)
        window.statusBar().showMessage(text)
        for label in window.findChildren(QLabel, LOADING_LABEL):
            label.setText(text)

    return show


class LoadingPage(QWidget):
    """The Generate page until the engine is there; app.engine_parts hands the prompt over."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Prompt (may be empty). Ctrl+Enter generates.")
        self.prompt.setFixedHeight(self.prompt.fontMetrics().lineSpacing() * 3 + 14)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setEnabled(False)  # needs the engine
        self.generate_button.setToolTip(LOADING)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.generate_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(loading_label())
        layout.addStretch(1)
