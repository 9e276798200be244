"""Words in place of an empty plot: "No data yet", not a frame of placeholder axes.

Before a run, a selection or a measurement, the plots showed axes from 0 to 1 (or the loss
plot's 0 to 5) with nothing on them, which read as a result. While a plot is empty its axes
and grid are transparent and a short line in its middle says what will fill it. The axes keep
their room, so the first data does not re-lay out the plot (a stall the live plots avoid).
"""

from __future__ import annotations

import pyqtgraph as pg

NOTE_COLOUR = "#888888"  # grey reads on the light and the dark palette alike
AXES = ("left", "bottom")


class EmptyNote:
    def __init__(self, plot: pg.PlotItem, text: str) -> None:
        self.plot = plot
        self.label = pg.TextItem(text, color=NOTE_COLOUR, anchor=(0.5, 0.5))
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
        self.label.setPos(self.plot.getViewBox().boundingRect().center())


def note_empty(plot: pg.PlotItem | pg.PlotWidget, text: str) -> EmptyNote:
    """An EmptyNote on ``plot`` (or on a PlotWidget's plot), showing ``text`` now."""
    item = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot
    return EmptyNote(item, text)
