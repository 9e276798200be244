"""Legends move to the corner the curves leave free."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF

from app.panels.legend_corner import keep_legend_clear, place_legend


def _plot_with_legend(qtbot) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    item = widget.getPlotItem()
    item.addLegend(offset=(-10, 10))  # top right, as the panels start
    keep_legend_clear(item)
    return widget


def _covered(widget: pg.PlotWidget) -> int:
    """Points along the drawn curves that lie under the legend, in scene pixels."""
    item = widget.getPlotItem()
    box, legend = item.getViewBox(), item.legend.sceneBoundingRect()
    hits = 0
    for curve in item.listDataItems():
        x, y = curve.getData()
        for t in np.linspace(0, len(x) - 1, 400):
            px, py = np.interp(t, np.arange(len(x)), x), np.interp(t, np.arange(len(y)), y)
            hits += legend.contains(box.mapViewToScene(QPointF(px, py)))
    return hits


def test_a_rising_line_pushes_the_legend_off_the_top_right(qtbot):
    widget = _plot_with_legend(qtbot)
    widget.show()
    x = np.linspace(0, 10, 50)
    widget.getPlotItem().plot(x, x, name="LSTM")
    widget.getPlotItem().plot(x, x * 0.9, name="RNN")
    qtbot.wait(50)
    assert place_legend(widget.getPlotItem()) in ("top left", "bottom right")
    qtbot.wait(50)
    assert _covered(widget) == 0


def test_curves_that_fall_away_on_a_log_axis_keep_the_legend_clear(qtbot):
    widget = _plot_with_legend(qtbot)
    item = widget.getPlotItem()
    item.setLogMode(y=True)
    widget.show()
    k = np.arange(1, 200, dtype=float)
    item.plot(k, np.full_like(k, 0.5), name="LSTM")  # stays high along the top: the old legend's place
    item.plot(k, 10.0 ** (-k / 5), name="RNN")  # falls away to the bottom right
    qtbot.wait(100)  # the range settles and the legend follows by itself
    assert _covered(widget) == 0
    assert place_legend(item) == "bottom left"


def test_no_legend_is_left_alone(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.getPlotItem().plot([0, 1], [0, 1])
    assert place_legend(widget.getPlotItem()) is None
