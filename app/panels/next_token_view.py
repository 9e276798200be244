"""The model's top next-token candidates at the caret, as labelled probability bars."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

ROWS = 10


def visible_token(text: str) -> str:
    """Whitespace made visible, so " " and "\\n" are told apart at a glance."""
    if not text:
        return "∅"
    return text.replace(" ", "␣").replace("\n", "⏎").replace("\t", "⇥")


class NextTokenView(QWidget):
    picked = Signal(str)  # the token text of the row clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click a token to type it at the caret")
        self.candidates: list[tuple[str, float]] = []
        self.note = "Place the caret in the text to see what the model expects next."
        # May shrink to four rows: all ten made the Generate tab scroll on a 1080-pixel screen.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_candidates(self, candidates: list[tuple[str, float]]) -> None:
        self.candidates = list(candidates)[:ROWS]
        self.update()

    def set_note(self, note: str) -> None:
        self.note = note
        self.candidates = []
        self.update()

    def row_at(self, y: int) -> int:
        """The candidate row under a y coordinate, or -1 off the rows."""
        row = (y - 4) // self._row_height()
        return row if y >= 4 and row < self.visible_rows() else -1

    def visible_rows(self) -> int:
        """The candidates shown: as many whole rows as the height holds (no half-cut row)."""
        return max(0, min(len(self.candidates), (self.height() - 4) // self._row_height()))

    def row_centre(self, row: int) -> int:
        return 4 + row * self._row_height() + self._row_height() // 2

    def mousePressEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(round(event.position().y()))
        if event.button() == Qt.MouseButton.LeftButton and row >= 0:
            self.picked.emit(self.candidates[row][0])
            return
        super().mousePressEvent(event)

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
        for i, (token, prob) in enumerate(self.candidates[: self.visible_rows()]):
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
