"""The Gates tab's main area: the heatmaps, and the tinted text and unit tools as two tabs
beside them on a wide page or below them on a narrow one, with a splitter between."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QTabWidget, QWidget

SIDE_BY_SIDE = 1000  # pixels wide and over: the text and tools beside the heatmaps, not below
LOWER_HEIGHT = 72  # the tinted text or the unit tools below the heatmaps, at their smallest
SIDE_SHARE = (3, 2)  # heatmaps : text and tools, side by side


class GatesSplitter(QSplitter):
    def __init__(self, heatmaps: QWidget, text: QWidget, tools: QWidget) -> None:
        super().__init__(Qt.Orientation.Vertical)
        scroll = QScrollArea()  # squeezed by the splitter, the tools scroll rather than overlap
        scroll.setWidget(tools)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.tabs = QTabWidget()
        self.tabs.addTab(text, "Text tinted by a unit")
        self.tabs.addTab(scroll, "Find or steer a unit")
        self.tabs.setMinimumHeight(LOWER_HEIGHT)
        self.addWidget(heatmaps)
        self.addWidget(self.tabs)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 1)
        self.setChildrenCollapsible(False)

    def resizeEvent(self, event: QResizeEvent) -> None:
        wide = event.size().width() >= SIDE_BY_SIDE
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if orientation != self.orientation():
            self.setOrientation(orientation)
            total = event.size().width() if wide else event.size().height()
            first = total * (SIDE_SHARE[0] if wide else 3) // (sum(SIDE_SHARE) if wide else 4)
            self.setSizes([first, total - first])
        super().resizeEvent(event)
