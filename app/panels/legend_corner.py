"""Putting a plot's legend in the corner its curves leave free.

A fixed top-right legend sat on the LSTM's gradient curve (which stays near 1 while the RNN's
falls away). Whenever the data or the plot's size changes, the legend moves to the corner
with the least of the curves under it. (A legend of a few short names only: the Runs tab's
long run names fit no corner, so its legend sits beside the plot, app.panels.runs_legend.)
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

MARGIN = 10  # pixels between the legend and the plot's edges
SAMPLES_PER_SEGMENT = 16  # a line between two far-apart points crosses corners too
# corner name: (anchor as fractions of legend and plot, offset in pixels); the first is preferred
CORNERS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "top right": ((1, 0), (-MARGIN, MARGIN)),
    "top left": ((0, 0), (MARGIN, MARGIN)),
    "bottom right": ((1, 1), (-MARGIN, -MARGIN)),
    "bottom left": ((0, 1), (MARGIN, -MARGIN)),
}


def keep_legend_clear(item: pg.PlotItem) -> None:
    """Place the legend now and again whenever the data's range or the plot's size changes."""
    box = item.getViewBox()
    box.sigRangeChanged.connect(lambda *_: place_legend(item))
    box.sigResized.connect(lambda *_: place_legend(item))


def place_legend(item: pg.PlotItem) -> str | None:
    """Anchor the legend in the freest corner; return that corner's name (None: no legend)."""
    legend = item.legend
    if legend is None or not legend.items:
        return None
    covered = {corner: _points_under(item, corner) for corner in CORNERS}
    best = min(CORNERS, key=lambda corner: covered[corner])  # ties keep the earlier corner
    anchor, offset = CORNERS[best]
    legend.anchor(itemPos=anchor, parentPos=anchor, offset=offset)
    return best


def _points_under(item: pg.PlotItem, corner: str) -> int:
    """How many points of the (densified) curves fall where the legend would sit."""
    box = item.getViewBox()
    (x0, x1), (y0, y1) = box.viewRange()
    size = box.boundingRect()
    if size.width() <= 0 or size.height() <= 0 or x1 == x0 or y1 == y0:
        return 0
    legend = item.legend
    wide = (legend.width() + MARGIN) / size.width()
    tall = (legend.height() + MARGIN) / size.height()
    (right, bottom), _offset = CORNERS[corner]
    count = 0
    for curve in item.listDataItems():
        x, y = curve.getData()  # as drawn: log axes already applied
        if x is None or y is None or len(x) == 0:
            continue
        x, y = _densify(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        across = (x - x0) / (x1 - x0)
        up = (y - y0) / (y1 - y0)  # 0 at the bottom of the plot, 1 at the top
        in_x = across >= 1 - wide if right else across <= wide
        in_y = up <= tall if bottom else up >= 1 - tall
        inside = in_x & in_y & (across >= 0) & (across <= 1) & (up >= 0) & (up <= 1)
        count += int(np.count_nonzero(inside & np.isfinite(x) & np.isfinite(y)))
    return count


def _densify(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(x) < 2:
        return x, y
    along = np.linspace(0, len(x) - 1, (len(x) - 1) * SAMPLES_PER_SEGMENT + 1)
    steps = np.arange(len(x))
    return np.interp(along, steps, x), np.interp(along, steps, y)
