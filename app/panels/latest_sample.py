"""The dashboard's latest sample: the text a model of the run wrote at its last sample step."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.plot_style import mono_font
from training.common.events import SampleEvent


class LatestSample(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setPlaceholderText("Samples of generated text appear here while training runs.")
        self.view.setFont(mono_font())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Latest sample"))
        layout.addWidget(self.view)

    def show_sample(self, event: SampleEvent) -> None:
        self.view.setPlainText(f"[{event.model.upper()}, step {event.step}]\n{event.text}")

    def clear(self) -> None:
        self.view.clear()
