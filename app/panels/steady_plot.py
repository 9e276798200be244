"""Live plots that redraw cheaply: ranges and axes that move in steps, not with every point.

A redraw of pyqtgraph's plots cost the window's thread ~40 ms of CPU per batch of training
steps (benchmarks/gui_stall.py), and while it ran the window could not react. Most of it
went to the axes: auto-range fitted the view to the data exactly, so every batch moved both
axes of both plots, which regenerates their tick labels and grid, refits the curves and asks
for a second paint; and a tick label one character wider or narrower resized the axis,
which re-lays out the whole plot area. Here:

* the step axis reaches the step the run will end at, so it stays put while the curves grow;
* auto-range fits the data's bounds widened outward onto a coarse grid, so the range
  changes only when the data crosses a grid line (a tenth or more of its extent);
* an axis's room for labels only grows, so the layout settles after the first changes;
* each axis keeps its drawing (labels and grid) as a pixmap until it changes, so a redraw
  that only adds points repaints the curves and copies the axes.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

# A grid line every fifth of the data's extent or a little closer, rounded down to 1, 2 or 5
# times a power of ten: at most a fifth of the view stays empty beyond either end.
GRID_CELLS = 5


def grid_step(span: float) -> float:
    """The largest of 1, 2 or 5 times a power of ten that is at most ``span / GRID_CELLS``."""
    raw = span / GRID_CELLS
    power = 10.0 ** math.floor(math.log10(raw))
    return max(m * power for m in (1.0, 2.0, 5.0) if m * power <= raw * (1 + 1e-9))


def steady_bounds(low: float, high: float) -> tuple[float, float]:
    """``low`` and ``high`` widened outward to the grid; unchanged when they span nothing."""
    span = high - low
    if not (math.isfinite(low) and math.isfinite(high)) or span <= 0:
        return low, high
    step = grid_step(span)
    return math.floor(low / step) * step, math.ceil(high / step) * step


class SteadyViewBox(pg.ViewBox):
    """A ViewBox whose auto-range (and "View All") fits the data's bounds widened by
    ``steady_bounds``, from ``x_from`` where it is set (step 0) and reaching ``x_reach``
    where it is set (the step a run will end at: the x range then stays put while the curves
    grow). Panning or zooming still turns auto-range off, as in any ViewBox.

    The step axis starts at ``x_from`` exactly: the half-pixel pyqtgraph pads a curve's bounds
    with, on a narrow plot of a 3,000-step run, is a few steps below 0, which the grid floored
    to −500. Nor does it get pyqtgraph's few percent of padding beyond the grid."""

    def __init__(self, *args: Any, x_from: float | None = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.x_from = x_from
        self.x_reach: float | None = None

    def childrenBounds(self, frac=None, orthoRange=(None, None), items=None):
        x, y = super().childrenBounds(frac=frac, orthoRange=orthoRange, items=items)
        if x is not None and self.x_from is not None:
            x = [self.x_from, max(x[1], self.x_from)]  # no step comes before it
        if x is not None and self.x_reach is not None:
            x = [x[0], max(x[1], self.x_reach)]
        return [None if axis is None else list(steady_bounds(*axis)) for axis in (x, y)]

    def suggestPadding(self, axis: int) -> float:
        return 0.0 if axis == 0 else float(super().suggestPadding(axis))


def steady_plot(axisItems: dict[str, pg.AxisItem] | None = None, **kwargs: Any) -> pg.PlotItem:
    """A PlotItem with a ``SteadyViewBox``, and axes whose label room only grows and whose
    drawing is cached until it changes."""
    plot = pg.PlotItem(viewBox=SteadyViewBox(), axisItems=axisItems, **kwargs)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setStyle(autoReduceTextSpace=False)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return plot
