"""The step a run was resumed from, marked on the live plots with a line labelled "resumed".

A checkpoint keeps its validation history but not the training loss or the gradient norm
of every step, so a run resumed in a new session drew its validation curve from step 0 and
its other two curves only from the resume step on, with nothing to say why. A window that
trained the run itself keeps those curves across a pause or a stop and needs no mark
(``TrainingPanel.run``); otherwise the gap is explained where it begins.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt

MARK_COLOUR = "#888888"
TOOLTIP = (
    "Resumed here from its checkpoint. The checkpoint keeps the validation history, not the "
    "training loss or gradient norm of each step: those curves start again here."
)


class ResumeMarks:
    """One dashed vertical line per plot at each resume step drawn; ``clear`` for a new run."""

    def __init__(self, plots: Sequence[pg.PlotItem]) -> None:
        self.plots = list(plots)
        self.lines: list[pg.InfiniteLine] = []

    @property
    def steps(self) -> list[float]:
        return sorted({float(line.value()) for line in self.lines})

    def mark(self, step: float) -> None:
        if step <= 0 or step in self.steps:
            return
        for plot in self.plots:
            line = pg.InfiniteLine(
                pos=step,
                angle=90,
                pen=pg.mkPen(MARK_COLOUR, width=1, style=Qt.PenStyle.DashLine),
                label="resumed",
                # Just right of the line, near the top, where the curves have fallen away.
                labelOpts={"position": 0.95, "color": MARK_COLOUR, "anchors": [(0, 0), (0, 0)]},
            )
            line.setToolTip(TOOLTIP)
            plot.addItem(line, ignoreBounds=True)  # the step axis keeps fitting the curves
            self.lines.append(line)

    def clear(self) -> None:
        for plot in self.plots:
            for line in self.lines:
                if line in plot.items:
                    plot.removeItem(line)
        self.lines.clear()
