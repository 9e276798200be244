"""The Gates tab's main area: the heatmaps, and the tinted text and unit tools as two tabs
beside them on a wide page or below them on a narrow one, with a splitter between.

The heatmaps scroll inside their own pane when it is shorter than they need (four of them at
a 1280×720 window): the prompt and the controls above stay in view, and the line that reads
the cell under the pointer stays under the pane."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

SIDE_BY_SIDE = 1000  # pixels wide and over: the text and tools beside the heatmaps, not below
LOWER_HEIGHT = 72  # the tinted text or the unit tools below the heatmaps, at their smallest
SIDE_SHARE = (3, 2)  # heatmaps : text and tools, side by side


class GatesSplitter(QSplitter):
    def __init__(self, heatmaps: QWidget, hover: QWidget, text: QWidget, tools: QWidget) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.heatmap_scroll = scrolling(heatmaps)
        pane = QWidget()
        column = QVBoxLayout(pane)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.heatmap_scroll, 1)
        column.addWidget(hover)
        self.tabs = QTabWidget()
        self.tabs.addTab(text, "Text tinted by a unit")
        # Squeezed by the splitter, the tools scroll rather than overlap.
        self.tabs.addTab(scrolling(tools), "Find or steer a unit")
        self.tabs.setMinimumHeight(LOWER_HEIGHT)
        self.addWidget(pane)
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


def scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` filling the area, scrolling when the area is smaller than it needs."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area
