"""Words in place of an empty plot: "No data yet", not a frame of placeholder axes.

Before a run, a selection or a measurement, the plots showed axes from 0 to 1 (or the loss
plot's 0 to 5) with nothing on them, which read as a result. While a plot is empty its axes
and grid are transparent and a short line in its middle says what will fill it. The axes keep
their room, so the first data does not re-lay out the plot (a stall the live plots avoid).
A note wider than its plot wraps onto more lines: centred on one line, a narrow plot (a
1280×720 window's Training dock) cut it on both sides.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextOption

NOTE_COLOUR = "#888888"  # grey reads on the light and the dark palette alike
AXES = ("left", "bottom")
MARGIN_PX = 8  # left free on each side of a note that wraps


class EmptyNote:
    def __init__(self, plot: pg.PlotItem, text: str) -> None:
        self.plot = plot
        self.label = pg.TextItem(text, color=NOTE_COLOUR, anchor=(0.5, 0.5))
        option = QTextOption(Qt.AlignmentFlag.AlignHCenter)  # each wrapped line centred
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # a long word too
        self.label.textItem.document().setDefaultTextOption(option)
        box = plot.getViewBox()
        self.label.setParentItem(box)  # in the box's own pixels, not the data's; clear() keeps it
        box.sigResized.connect(self._centre)
        self.empty: bool | None = None
        self.set_empty(True)

    @property
    def text(self) -> str:
        return str(self.label.toPlainText())

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self._centre()

    def set_empty(self, empty: bool, text: str | None = None) -> None:
        if text is not None:
            self.set_text(text)
        if empty == self.empty:
            return
        self.empty = empty
        self.label.setVisible(empty)
        for name in AXES:
            self.plot.getAxis(name).setOpacity(0.0 if empty else 1.0)
        self._centre()

    def _centre(self, *_args: object) -> None:
        """Wrap to the box's width when one line does not fit, and centre in the box."""
        box = self.plot.getViewBox().boundingRect()
        self.label.setTextWidth(-1)  # one line: its natural width
        room = box.width() - 2 * MARGIN_PX
        if room > 0 and self.label.textItem.boundingRect().width() > room:
            self.label.setTextWidth(room)
        self.label.setPos(box.center())


def note_empty(plot: pg.PlotItem | pg.PlotWidget, text: str) -> EmptyNote:
    """An EmptyNote on ``plot`` (or on a PlotWidget's plot), showing ``text`` now."""
    item = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot
    return EmptyNote(item, text)
