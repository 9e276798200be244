"""A progress bar whose text reads in one colour along its whole length.

Fusion writes a bar's text in the highlighted-text colour (white) over the filled part and in
the text colour (black) over the rest: "LSTM stopped · RNN stopped" read half white, half
black, and the letters on the edge were cut in two. Here the filled part is a pale tint of
the highlight and the text keeps the plain text colour over both parts, on a light palette
and a dark one alike.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QProgressBar, QWidget

TINT = 0.45  # of the highlight in the filled part's colour, the rest the base colour


def blend(front: QColor, back: QColor, share: float) -> QColor:
    """``share`` of ``front`` over ``back``."""
    return QColor(
        round(front.red() * share + back.red() * (1 - share)),
        round(front.green() * share + back.green() * (1 - share)),
        round(front.blue() * share + back.blue() * (1 - share)),
    )


def readable_palette(palette: QPalette) -> QPalette:
    """``palette`` with a pale filled part and the text colour over it."""
    out = QPalette(palette)
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for g in (group.Active, group.Inactive, group.Disabled):
        chunk = blend(palette.color(g, role.Highlight), palette.color(g, role.Base), TINT)
        out.setColor(g, role.Highlight, chunk)
        out.setColor(g, role.HighlightedText, palette.color(g, role.Text))
    return out


class ProgressBar(QProgressBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._restyling = False
        self._restyle()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ApplicationPaletteChange:  # light to dark, or back
            self._restyle()

    def _restyle(self) -> None:
        if self._restyling:
            return
        self._restyling = True
        try:
            self.setPalette(readable_palette(QApplication.palette(self)))
        finally:
            self._restyling = False
