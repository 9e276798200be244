"""The model's top next-token candidates at the caret, as labelled probability bars."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

ROWS = 10


def visible_token(text: str) -> str:
    """Whitespace made visible, so " " and "\\n" are told apart at a glance."""
    if not text:
        return "∅"
    return text.replace(" ", "␣").replace("\n", "⏎").replace("\t", "⇥")


class NextTokenView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.candidates: list[tuple[str, float]] = []
        self.note = "Place the caret in the text to see what the model expects next."
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def set_candidates(self, candidates: list[tuple[str, float]]) -> None:
        self.candidates = list(candidates)[:ROWS]
        self.update()

    def set_note(self, note: str) -> None:
        self.note = note
        self.candidates = []
        self.update()

    def _row_height(self) -> int:
        return self.fontMetrics().height() + 6

    def sizeHint(self) -> QSize:
        return QSize(260, self._row_height() * ROWS + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(180, self._row_height() * 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.Text)
        painter.setPen(text_colour)
        if not self.candidates:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect().adjusted(4, 4, -4, -4), Qt.TextFlag.TextWordWrap, self.note)
            painter.end()
            return
        metrics = self.fontMetrics()
        row = self._row_height()
        token_w = max(
            60, min(140, max(metrics.horizontalAdvance(visible_token(t)) for t, _ in self.candidates) + 12)
        )
        pct_w = metrics.horizontalAdvance("100.0 %") + 8
        bar_w = max(20, self.width() - token_w - pct_w - 8)
        bar_colour = palette.color(QPalette.ColorRole.Highlight)
        for i, (token, prob) in enumerate(self.candidates):
            top = 4 + i * row
            painter.setPen(text_colour)
            painter.drawText(
                QRect(4, top, token_w - 8, row), Qt.AlignmentFlag.AlignVCenter, visible_token(token)
            )
            painter.fillRect(QRect(token_w, top + 3, max(1, round(bar_w * prob)), row - 6), bar_colour)
            painter.drawText(
                QRect(token_w + bar_w + 4, top, pct_w, row),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                f"{prob:.1%}",
            )
        painter.end()
