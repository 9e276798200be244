"""The look the panels share: one colour per model, the monospace font, and
pyqtgraph plots that follow the light or dark palette instead of pyqtgraph's black."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtGui import QFont, QPalette

if TYPE_CHECKING:  # the corpus panel's font is needed before the plots have loaded
    import pyqtgraph as pg

# The same model is the same colour on every page: the LSTM blue, the vanilla RNN orange.
COLOURS = {"lstm": "#1f77b4", "rnn": "#e6550d", "gru": "#2ca02c", "explode": "#9467bd"}
OTHER = "#7f7f7f"
# One colour per run where runs are overlaid (the Runs tab), none of them near a model's: the
# runs' first two were the LSTM's blue and the RNN's orange, and a run read as a model.
RUN_COLOURS = ("#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#8c564b", "#bcbd22", "#666666")


def colour(name: str) -> str:
    return COLOURS.get(name, OTHER)


def mono_font(points: int | None = None) -> QFont:
    font = QFont("DejaVu Sans Mono") if points is None else QFont("DejaVu Sans Mono", points)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


def follow_palette(palette: QPalette, views: Iterable[pg.GraphicsView], plots: Iterable[pg.PlotItem]) -> None:
    """Paint views on the palette's Base and titles, axes and legends in its Text colour.

    Call it once after building the plots and again on every QEvent.PaletteChange.
    """
    for view in views:
        view.setBackground(palette.color(QPalette.ColorRole.Base))
    text = palette.color(QPalette.ColorRole.Text)
    for plot in plots:
        if plot.titleLabel.text:
            plot.setTitle(plot.titleLabel.text, color=text)
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setPen(text)
            plot.getAxis(axis).setTextPen(text)
        if plot.legend is not None:
            plot.legend.setLabelTextColor(text)
