"""Several continuations of one prompt, one under another in a pane below the editor; a click
keeps one.

Beside the editor the five sat in a box of 160×60 pixels at 1280×720, two and a half lines
of one of them in view. Below it they take the tab's width and, when they arrive, most of the
editor's height (the editor then holds only the prompt); the splitter between gives back
whatever the person drags, and Close hides the pane until the next five.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lstm_core.batch_sampling import Sample

PREVIEW_CHARS = 600  # several lines each, whole at the usual lengths; the tooltip has all
PANE_SHARE = 0.7  # of the editor's height, given to the alternatives when they arrive

_TEXT = Qt.ItemDataRole.UserRole


class AlternativesView(QListWidget):
    chosen = Signal(str, int)  # (the alternative's text without the prompt, its seed)
    shown = Signal(int)  # how many alternatives are on show now (0: none)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)  # rewrapped as the pane's width changes
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)  # items are tall
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSpacing(2)
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
        self.shown.emit(len(self.samples))

    def keep(self, index: int) -> None:
        sample = self.samples[index]
        self.chosen.emit(sample.text, sample.seed)

    def _clicked(self, item: QListWidgetItem) -> None:
        self.keep(int(item.data(_TEXT)))


class AlternativesPane(QWidget):
    """The alternatives under a line that names them, with Close; hidden while there are none."""

    def __init__(self, view: AlternativesView) -> None:
        super().__init__()
        self.view = view
        self.close_button = QToolButton()
        self.close_button.setText("Close")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide the alternatives (the next five bring them back)")
        self.close_button.clicked.connect(self.hide)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(QLabel("Alternatives: click one to keep it"), 1)
        header.addWidget(self.close_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(header)
        column.addWidget(view, 1)
        view.shown.connect(self._shown)
        self.hide()

    def _shown(self, count: int) -> None:
        if count == 0:
            self.hide()
            return
        split = self.parentWidget()
        if self.isHidden() and isinstance(split, QSplitter):  # opening: most of the height
            self.show()
            total = sum(split.sizes())
            pane = round(total * PANE_SHARE)
            split.setSizes([total - pane, pane])
        self.show()


def editor_and_alternatives(editor: QWidget, pane: AlternativesPane) -> QSplitter:
    """The editor (with its side column) above the alternatives' pane, a splitter between."""
    split = QSplitter(Qt.Orientation.Vertical)
    split.addWidget(editor)
    split.addWidget(pane)
    split.setStretchFactor(0, 1)
    split.setStretchFactor(1, 1)
    split.setChildrenCollapsible(False)
    return split
