"""Several continuations of one prompt, side by side in a list; a click keeps one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from lstm_core.batch_sampling import Sample

PREVIEW_CHARS = 240  # a few lines each, so five fit beside the editor; the tooltip has all

_TEXT = Qt.ItemDataRole.UserRole


class AlternativesView(QListWidget):
    chosen = Signal(str, int)  # (the alternative's text without the prompt, its seed)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.setToolTip("Click an alternative to keep it: it goes into the editor after the prompt")
        self.samples: list[Sample] = []
        self.itemClicked.connect(self._clicked)

    def set_samples(self, samples: list[Sample]) -> None:
        self.clear()
        self.samples = list(samples)
        for number, sample in enumerate(self.samples, 1):
            flat = sample.text.replace("\n", " ⏎ ")
            if len(flat) > PREVIEW_CHARS:
                flat = flat[:PREVIEW_CHARS] + "…"
            item = QListWidgetItem(f"{number}. {flat}")
            item.setData(_TEXT, number - 1)
            item.setToolTip(f"seed {sample.seed}\n\n{sample.text[:3000]}")
            self.addItem(item)

    def keep(self, index: int) -> None:
        sample = self.samples[index]
        self.chosen.emit(sample.text, sample.seed)

    def _clicked(self, item: QListWidgetItem) -> None:
        self.keep(int(item.data(_TEXT)))
