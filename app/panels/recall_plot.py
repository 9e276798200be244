"""The Explain page's third plot, long-range recall, in either of its two forms.

For the built-in demo: the planted-fact probe, accuracy against characters of filler.
For a model on its own text: the gain on a word that recurs k tokens after its last
occurrence over the same word's first mentions, per distance bin, each point with its
± one standard error, LSTM and RNN side by side. Floats in, plot items out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from app.plot_style import colour
from lstm_core.measure.probe import BucketScore
from lstm_core.measure.recurrence import RecallReport
from lstm_core.measure.recurrence_cases import distance_bins

SPREAD = 0.1  # bins apart the LSTM's and the RNN's points sit, so their error bars never overlap
ZERO = "#888888"  # the line of no gain: grey on the light and the dark palette alike


def set_form(item: pg.PlotItem, *, demo: bool) -> None:
    """Title, axes and ticks of the probe (demo) or of the recall curves (a model's own text)."""
    bottom = item.getAxis("bottom")
    if demo:
        item.setTitle("Recall of the language after “I speak”")
        item.setLabel("bottom", "filler (characters)")
        item.setLabel("left", "accuracy")
        bottom.setTicks(None)  # pyqtgraph's own ticks again
        item.setYRange(0, 1.05)
        return
    item.setTitle("Gain on a word seen k tokens before")
    item.setLabel("bottom", "k, tokens since its last occurrence")
    item.setLabel("left", "nats/token saved")
    item.enableAutoRange(axis="y")


def bin_ticks(window: int) -> list[list[tuple[float, str]]]:
    """Each distance bin at its index, labelled by its upper edge ("≤ 8"); every other one on a
    second level, which pyqtgraph leaves unlabelled where the labels would crowd."""
    edges = [f"≤{high:,}" for _low, high in distance_bins(window)]
    major = [(float(i), label) for i, label in enumerate(edges) if i % 2 == 1]
    minor = [(float(i), label) for i, label in enumerate(edges) if i % 2 == 0]
    return [major, minor]


def show_probe(item: pg.PlotItem, probe: dict[str, list[BucketScore]]) -> None:
    for name, buckets in probe.items():
        x = np.array([b.distance for b in buckets], dtype=float)
        y = np.array([b.accuracy for b in buckets], dtype=float)
        pen = pg.mkPen(colour(name), width=2)
        item.plot(x, y, pen=pen, symbol="o", symbolBrush=pen.color(), name=name.upper())


def _points(report: RecallReport, name: str) -> tuple[list[float], list[float], list[float]]:
    """(bin index, gain, standard error) of one model's word curve, over the bins with a spread:
    a bin of one case has none, and its point without an error bar would read as exact."""
    index = {pair: i for i, pair in enumerate(distance_bins(report.window))}
    curve = next(c for c in report.curves if c.name == name and c.kind == "word")
    x, y, se = [], [], []
    for b in curve.bins:
        if b.gain is None or b.gain_se is None or math.isnan(b.gain_se):
            continue
        x.append(float(index[(b.low, b.high)]))
        y.append(b.gain)
        se.append(b.gain_se)
    return x, y, se


def show_recall(item: pg.PlotItem, report: RecallReport) -> bool:
    """Draw every model's word-gain curve with its error bars; False when no bin has a gain."""
    names: Sequence[str] = list(dict.fromkeys(c.name for c in report.curves))
    item.getAxis("bottom").setTicks(bin_ticks(report.window))
    drawn = False
    for at, name in enumerate(names):
        x, y, se = _points(report, name)
        if not x:
            continue
        shift = (at - (len(names) - 1) / 2) * SPREAD
        xs = np.array(x) + shift
        pen = pg.mkPen(colour(name), width=2)
        item.addItem(pg.ErrorBarItem(x=xs, y=np.array(y), height=2 * np.array(se), beam=0.08, pen=pen))
        item.plot(xs, y, pen=pen, symbol="o", symbolSize=7, symbolBrush=pen.color(), name=name.upper())
        drawn = True
    if drawn:
        zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(ZERO, width=1, style=Qt.PenStyle.DashLine))
        item.addItem(zero)
        item.setXRange(-0.5, len(distance_bins(report.window)) - 0.5, padding=0)
    return drawn
