"""The heatmaps' bottom axis: every column labelled with its token, the text turned a
quarter so that a label per column fits (hovering a cell names the token as well).

pyqtgraph draws tick labels horizontally and drops those that overlap, which at one
character per column drops most; this axis keeps the tick marks and draws the labels
itself, rotated, at the columns' centres.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetricsF, QGuiApplication

MAX_TICKS = 60  # columns labelled with their token; longer texts label every n-th
LABEL_HEIGHT = 52  # pixels below the heatmap: six characters on end
LABEL_OFFSET = 6  # pixels between the tick marks and the first character
UNLABELLED_HEIGHT = 8  # the tick marks alone, on the heatmaps stacked above the labelled one


def token_label(token: str) -> str:
    """A token as an axis label: visible whitespace, at most six characters."""
    shown = token.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥")
    return shown if len(shown) <= 6 else shown[:5] + "…"


def token_ticks(tokens: list[str], limit: int = MAX_TICKS) -> list[tuple[float, str]]:
    """(x, label) at the centre of every column, or of every n-th when there are too many."""
    every = max(1, -(-len(tokens) // limit))
    return [(t + 0.5, token_label(tokens[t])) for t in range(0, len(tokens), every)]


class TokenAxis(pg.AxisItem):
    def __init__(self) -> None:
        super().__init__("bottom")
        self.labels: list[tuple[float, str]] = []  # (x in view coordinates, label)
        self.setHeight(LABEL_HEIGHT)

    def set_tokens(self, tokens: list[str], *, labelled: bool = True) -> None:
        """Tick every column (or every n-th); write the tokens only where ``labelled``:
        stacked heatmaps share their columns, so the lowest one alone needs the text."""
        ticks = token_ticks(tokens)
        self.labels = ticks if labelled else []
        self.setHeight(self.label_room() if labelled else UNLABELLED_HEIGHT)
        self.setTicks([[(x, "") for x, _ in ticks]])  # the marks; the text is drawn below

    def label_room(self) -> int:
        """Pixels below the heatmap for the longest label on end (a wide font needs more)."""
        metrics = QFontMetricsF(self.style.get("tickFont") or QGuiApplication.font())
        longest = max((metrics.horizontalAdvance(label) for _, label in self.labels), default=0.0)
        return max(LABEL_HEIGHT, int(longest) + LABEL_OFFSET + 4)

    def drawPicture(self, p: Any, axisSpec: Any, tickSpecs: Any, textSpecs: Any) -> None:
        super().drawPicture(p, axisSpec, tickSpecs, [])
        view = self.linkedView()
        if view is None:
            return
        p.setPen(self.textPen())
        for x, label in self.labels:
            point = self.mapFromScene(view.mapViewToScene(QPointF(x, 0)))
            if not 0 <= point.x() <= self.width():
                continue
            p.save()
            p.translate(point.x() - 4, LABEL_OFFSET)
            p.rotate(90)  # reads top to bottom, the first character nearest the heatmap
            p.drawText(QPointF(0, 0), label)
            p.restore()
