"""A log-scale axis whose labels never run into each other.

pyqtgraph labels every minor tick of a log axis ("2·10¹", "3·10¹", …, "9·10¹") once fewer
than three decades are in view: on the Explain page's 300-pixel plots of k = 1…1,000 they
overprinted into one string, "4·10¹5·10¹6·10¹…". Here the powers of ten are labelled as plain
numbers (1, 10, 100, 1,000), and 2 and 5 times them, or every multiple, only where the
labels fit side by side; the other multiples keep their tick marks without a label.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF, QGuiApplication

# The multiples of each power of ten that get a label, sparsest first: the densest that fits wins.
LABELLED = ((1,), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9))
GAP_PX = 8  # at least this many pixels between two labels
# pyqtgraph draws no label of a level whose labels fill more than 80 % of the axis.
FILL_LIMIT = 0.7
PLAIN = (1e-3, 1e6)  # values in this range read as plain numbers; outside it, as m·10ⁿ
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_label(value: float) -> str:
    """1 → "1", 2000 → "2,000", 0.05 → "0.05", 3e-12 → "3·10⁻¹²"."""
    if PLAIN[0] <= value < PLAIN[1]:
        return f"{value:,.0f}" if value >= 1 else f"{value:.3g}"
    exponent = math.floor(math.log10(value))
    mantissa = round(value / 10**exponent)
    power = f"10{str(exponent).translate(_SUPERSCRIPT)}"
    return power if mantissa == 1 else f"{mantissa}·{power}"


def _multiples(low: float, high: float, of: tuple[int, ...]) -> list[float]:
    """log10 of every m·10ⁿ (m in ``of``) between ``low`` and ``high`` (both log10)."""
    values = []
    for power in range(math.floor(low), math.ceil(high) + 1):
        for m in of:
            v = power + math.log10(m)
            if low <= v <= high:
                values.append(v)
    return values


class LogAxis(pg.AxisItem):
    def _room(self, label: str) -> float:
        """Pixels a label takes along the axis, with the gap after it."""
        metrics = QFontMetricsF(self.style.get("tickFont") or QGuiApplication.font())
        across = self.orientation in ("top", "bottom")
        return (metrics.horizontalAdvance(label) if across else metrics.height()) + GAP_PX

    def _fits(self, values: list[float], low: float, high: float, size: float) -> bool:
        if len(values) < 2:
            return True
        if sum(self._room(log_label(10**v)) - GAP_PX for v in values) > FILL_LIMIT * size:
            return False
        per_unit = size / max(high - low, 1e-12)
        for a, b in itertools.pairwise(values):
            room = (self._room(log_label(10**a)) + self._room(log_label(10**b))) / 2
            if (b - a) * per_unit < room:
                return False
        return True

    def logTickValues(self, minVal: float, maxVal: float, size: float, stdTicks: Any) -> list[Any]:
        labelled: list[float] = []
        for multiples in LABELLED:
            candidate = _multiples(minVal, maxVal, multiples)
            if not self._fits(candidate, minVal, maxVal, size):
                break
            labelled = candidate
        if not labelled:  # not even one power of ten in view: pyqtgraph's own ticks
            return list(super().logTickValues(minVal, maxVal, size, stdTicks))
        marks = [v for v in _multiples(minVal, maxVal, LABELLED[-1]) if v not in labelled]
        return [(1.0, labelled), (None, marks)]

    def logTickStrings(self, values: list[float], scale: float, spacing: float | None) -> list[str]:
        if spacing is None:  # the unlabelled marks between the labels
            return ["" for _ in values]
        return [log_label(10**v * scale) for v in values]
