"""One heatmap of the Gates tab: rows are units, columns are tokens, with a labelled
colour scale beside it and unit numbers on the left spaced so that none overlap.

The rows are the units picked (most variable or most active), not 0…N−1, so the
left axis names each row's unit number, and only every n-th row when rows are
thinner than a line of text.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetricsF, QGuiApplication

from app.panels.token_axis import TokenAxis

GATES = ("forget", "input", "output")  # in [0, 1]; the others are signed
LSTM_VIEWS = (
    ("forget", "forget gate f"),
    ("input", "input gate i"),
    ("output", "output gate o"),
    ("c", "cell state C"),
)
RNN_VIEWS = (("h", "hidden h"),)
TITLE_HEIGHT = 18
HEATMAP_HEIGHT = 76  # the least a heatmap may shrink to: below it rows stop being pickable
# The least height of a unit's row. Fitted to the pane, 32 units got about 2 pixels each at
# the default window size: too thin to hover one, to click one or to follow one across. At
# this height the heatmaps need more room than the pane has, and the pane scrolls.
ROW_PIXELS = 5
ROWS_TALLEST = 480  # pixels: more units than fit here at ROW_PIXELS get thinner rows instead
PLOT_MARGINS = 10  # pixels above and below the image inside the plot
LABEL_GAP_PX = 4  # between two unit numbers on the left axis
NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500)


def pick_units(values: np.ndarray, count: int, how: str) -> np.ndarray:
    """Indices of ``count`` units of values (T, H): most active (mean |v|) or most variable (std)."""
    score = values.std(axis=0) if how == "variable" else np.abs(values).mean(axis=0)
    return np.argsort(-score, kind="stable")[:count]


def least_height(rows: int, below: int = 0) -> int:
    """The least height of a heatmap of ``rows`` units, ``below`` pixels of token labels under it."""
    image = min(rows * ROW_PIXELS, ROWS_TALLEST)
    return max(HEATMAP_HEIGHT, TITLE_HEIGHT + image + PLOT_MARGINS) + below


def colormap(name: str) -> pg.ColorMap:
    # Gates live in [0, 1]: one hue from dark to bright. C and h are signed: blue-white-red.
    if name in GATES:
        return pg.colormap.get("viridis")
    return pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])


def levels(name: str, values: np.ndarray) -> tuple[float, float]:
    """The colour scale's ends: [0, 1] for a gate, (−1, 1) for h, ±max |C| for the cell state."""
    if name in GATES:
        return 0.0, 1.0
    if name == "h":
        return -1.0, 1.0  # h = o · tanh(C) (or tanh of the RNN's sum) never leaves (−1, 1)
    bound = max(1e-6, float(np.abs(values).max())) if values.size else 1.0
    return -bound, bound


def tick_rows(rows: int, pixels: float, label_px: float) -> list[int]:
    """The rows whose unit number is written: every n-th, n the least of NICE_STEPS that
    leaves at least a label's height (plus a gap) between two of them."""
    if rows <= 0 or pixels <= 0:
        return []
    need = (label_px + LABEL_GAP_PX) * rows / pixels  # rows one label takes up
    step = next((s for s in NICE_STEPS if s >= need), max(1, math.ceil(need)))
    return list(range(0, rows, step))


class UnitAxis(pg.AxisItem):
    """The left axis: the unit number of every n-th row, at the row's centre."""

    def __init__(self) -> None:
        super().__init__("left")
        self.units: list[int] = []

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:
        visible = max(1e-9, maxVal - minVal)
        pixels_per_row = size / visible
        rows = tick_rows(len(self.units), pixels_per_row * len(self.units), self._label_height())
        return [(1.0, [r + 0.5 for r in rows if minVal <= r + 0.5 <= maxVal])]

    def _label_height(self) -> float:
        font = self.style.get("tickFont") or QGuiApplication.font()
        return QFontMetricsF(font).height()

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [str(self.units[int(v)]) if 0 <= int(v) < len(self.units) else "" for v in values]


class Heatmap(pg.PlotWidget):
    """A PlotWidget holding one view's image, its colour bar and the two axes."""

    def __init__(self, name: str, title: str) -> None:
        self.unit_axis = UnitAxis()
        self.token_axis = TokenAxis()
        super().__init__(title=title, axisItems={"bottom": self.token_axis, "left": self.unit_axis})
        self.name = name
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setLabel("left", "unit")
        self.image = pg.ImageItem()
        self.addItem(self.image)
        # The scale's numbers label it; a written label would not fit a heatmap at its smallest.
        self.bar = pg.ColorBarItem(values=(0.0, 1.0), width=12, colorMap=colormap(name), interactive=False)
        self.bar.setImageItem(self.image, insert_in=self.getPlotItem())

    def compact_title(self) -> None:
        """A title row one line high instead of pyqtgraph's 30 pixels: short heatmaps keep their rows."""
        self.getPlotItem().layout.setRowFixedHeight(0, TITLE_HEIGHT)

    def show_values(
        self, values: np.ndarray, units: np.ndarray, tokens: list[str], *, labelled: bool
    ) -> None:
        """Draw values (T, H) restricted to ``units``: x is the position, y the row."""
        self.unit_axis.units = [int(u) for u in units]
        self.token_axis.set_tokens(tokens, labelled=labelled)
        shown = values[:, units]
        self.image.setImage(shown, autoLevels=False)
        low, high = levels(self.name, values)
        self.bar.setLevels((low, high))
        # The two ends only: pyqtgraph's own ticks crowd a bar a few rows high.
        self.bar.axis.setTicks([[(v, f"{v:.3g}") for v in (low, high)]])
        view = self.getViewBox()
        view.setLimits(xMin=0, xMax=max(1, len(tokens)), yMin=0, yMax=max(1, len(units)))
        view.autoRange(padding=0)
        self.unit_axis.picture = None  # the tick labels change with the units
        self.unit_axis.update()

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        """(position, row) under a point of this heatmap's scene, or None."""
        shown = self.image.image
        if shown is None or not self.image.sceneBoundingRect().contains(pos):
            return None
        point = self.image.mapFromScene(pos)
        t, row = int(point.x()), int(point.y())
        return (t, row) if 0 <= t < shown.shape[0] and 0 <= row < shown.shape[1] else None
