"""Every output since the window opened, with the settings and seed that wrote it.

One click away from the generation panel (its History button); a double click, or
"Put Back", returns an output to the editor, where Continue goes on from it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lstm_core.beam import BeamSettings
from lstm_core.sampling import SamplingSettings

PREVIEW_CHARS = 160  # one or two lines of the list; the whole text is in the tooltip


@dataclass(frozen=True)
class HistoryEntry:
    text: str  # what the editor held: the prompt (or earlier text) and the output
    kind: str  # "generate", "continue" or "alternative"
    settings: str  # how it was decoded, in words
    seed: int | None  # None for beam search, which draws nothing at random
    at: str  # the time of day it finished
    stopped: bool = False  # ended early by Stop (Esc), not by its length or the end of a document

    def label(self) -> str:
        seed = "no seed (beam search)" if self.seed is None else f"seed {self.seed}"
        preview = " ".join(self.text[-PREVIEW_CHARS:].split())
        kind = f"{self.kind}, stopped early" if self.stopped else self.kind
        return f"{self.at} · {kind} · {self.settings} · {seed}\n…{preview}"


def describe_sampling(settings: SamplingSettings) -> str:
    parts = [f"temperature {settings.temperature:g}"]
    if settings.top_k:
        parts.append(f"top-k {settings.top_k}")
    if settings.top_p < 1.0:
        parts.append(f"top-p {settings.top_p:g}")
    if settings.min_p:
        parts.append(f"min-p {settings.min_p:g}")
    return ", ".join(parts) + f", {settings.max_tokens} tokens"


def describe_beam(settings: BeamSettings) -> str:
    return (
        f"beam width {settings.width}, length penalty {settings.length_penalty:g}, "
        f"{settings.max_tokens} tokens"
    )


def entry(text: str, *, kind: str, settings: str, seed: int | None, stopped: bool = False) -> HistoryEntry:
    return HistoryEntry(text, kind, settings, seed, time.strftime("%H:%M:%S"), stopped)


class GenerationHistory(QDialog):
    chosen = Signal(str)  # the text of the entry to put back into the editor

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Generation History")
        self.resize(640, 420)
        self.entries: list[HistoryEntry] = []  # oldest first; the list shows the newest on top
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.itemDoubleClicked.connect(lambda _item: self.put_back())
        buttons = QDialogButtonBox()
        self.put_back_button = buttons.addButton("Put Back", QDialogButtonBox.ButtonRole.AcceptRole)
        self.put_back_button.setToolTip("Put the chosen output back into the editor (or double-click it)")
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.put_back_button.clicked.connect(self.put_back)
        buttons.rejected.connect(self.hide)
        self.empty_note = QLabel("Nothing generated yet since the window opened.")
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_note)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self._refresh_buttons()
        self.list.currentRowChanged.connect(lambda _row: self._refresh_buttons())

    def add(self, item: HistoryEntry) -> None:
        self.entries.append(item)
        row = QListWidgetItem(item.label())
        row.setToolTip(item.text[-2000:])
        self.list.insertItem(0, row)
        self._refresh_buttons()

    def entry_at(self, row: int) -> HistoryEntry:
        """Row 0 is the newest entry."""
        return self.entries[len(self.entries) - 1 - row]

    def put_back(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        self.chosen.emit(self.entry_at(row).text)

    def _refresh_buttons(self) -> None:
        self.empty_note.setVisible(not self.entries)
        self.put_back_button.setEnabled(self.list.currentRow() >= 0)
