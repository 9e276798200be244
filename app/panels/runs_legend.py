"""The Runs tab's legend, beside the overlay plot rather than on it.

Inside the plot, a legend of long run names ("shakespeare-20250412-093011 LSTM") was wider
than any free corner and hid the curves wherever it went. Here each curve has a row: a
swatch of its line (the run's colour, dashed for the RNN) and its name, without the start
all the runs share and elided in the middle to the legend's width, whole in its tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListWidget, QListWidgetItem, QWidget

SWATCH = QSize(28, 12)  # a stretch of line with its point marker in the middle
NARROWEST, WIDEST = 160, 240  # pixels: the legend's width when the names are longer than that
PADDING = 26  # the swatch's gap, the list's frame and margins beside the text
SEPARATORS = "-_ ."  # a shared start is cut after one of these, never inside a word or a number
SHARED_MIN = 6  # characters: a shorter shared start is left in place


@dataclass(frozen=True)
class CurveKey:
    """One curve of the overlay: a model of a run, drawn in the run's colour."""

    run: str
    cell: str  # "LSTM", "RNN"
    colour: str
    dashed: bool

    @property
    def name(self) -> str:
        return f"{self.run} {self.cell}"


def shown_names(keys: list[CurveKey]) -> list[str]:
    """The names as the legend writes them: the start every run shares ("shakespeare-2025…",
    when runs are named by corpus and date) becomes "…", so what tells them apart shows
    even in a narrow legend. One run alone needs only its models named."""
    runs = sorted({key.run for key in keys})
    if len(runs) == 1:
        return [key.cell for key in keys]
    shared = _shared_start(runs) if runs else ""
    return [f"…{key.run[len(shared) :]} {key.cell}" if shared else key.name for key in keys]


def _shared_start(names: list[str]) -> str:
    """The longest start of every name that ends at a separator, if at least SHARED_MIN long."""
    first, last = names[0], names[-1]  # sorted: what these two share, all share
    common = 0
    while common < min(len(first), len(last)) and first[common] == last[common]:
        common += 1
    cut = max((first.rfind(sep, 0, common) + 1 for sep in SEPARATORS), default=0)
    return first[:cut] if cut >= SHARED_MIN else ""


def swatch(key: CurveKey) -> QIcon:
    pixmap = QPixmap(SWATCH)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    style = Qt.PenStyle.DashLine if key.dashed else Qt.PenStyle.SolidLine
    colour = QColor(key.colour)
    painter.setPen(QPen(colour, 2, style))
    middle = SWATCH.height() / 2
    painter.drawLine(QPointF(1, middle), QPointF(SWATCH.width() - 1, middle))
    painter.setBrush(colour)
    painter.drawEllipse(QPointF(SWATCH.width() / 2, middle), 2.5, 2.5)
    painter.end()
    return QIcon(pixmap)


class RunsLegend(QListWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keys: list[CurveKey] = []
        self.setIconSize(SWATCH)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVisible(False)

    def set_curves(self, keys: list[CurveKey]) -> None:
        self.clear()
        self.keys = list(keys)
        for key, shown in zip(self.keys, shown_names(self.keys), strict=True):
            item = QListWidgetItem(swatch(key), shown)
            item.setToolTip(key.name)
            self.addItem(item)
        # No wider than the names need; long ones get a quarter of the width (stretch 1 against
        # the plot's 3) between NARROWEST and WIDEST, and are elided to it.
        wanted = self.wanted_width()
        self.setMaximumWidth(wanted)
        self.setMinimumWidth(min(wanted, NARROWEST))
        self.setVisible(bool(self.keys))

    def wanted_width(self) -> int:
        """As wide as the longest name needs, at most WIDEST."""
        metrics = self.fontMetrics()
        text = max((metrics.horizontalAdvance(name) for name in shown_names(self.keys)), default=0)
        return min(WIDEST, text + SWATCH.width() + PADDING)

    def sizeHint(self) -> QSize:
        return QSize(self.wanted_width(), super().sizeHint().height())
