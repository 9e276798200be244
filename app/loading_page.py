"""What stands in for the engine's panels while it loads: a prompt box that already takes
typing, Generate greyed out, and a line that says what is happening."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

LOADING = "Loading the engine…"


def loading_label() -> QLabel:
    label = QLabel(LOADING)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


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
