"""The status bar: a message cut short says so ("…") and shows whole in its tooltip.

Qt's status bar clips a message where the permanent labels on its right begin: "The run now
saves into /home/…/runs/shakespeare-2025" stopped mid-word, with no way to read the rest. Here
the message is elided at its end to the room it has, and the model's label on the right gives
up its width before the message does.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizeGrip, QStatusBar, QStyle, QStyleOption, QWidget

MESSAGE_MARGINS = (6, 12)  # Qt's own room left of the message and right of the bar's end
LABEL_SHARE = 0.45  # of the bar's width at most, for a permanent label: the rest is the message's


class ElidedLabel(QLabel):
    """A one-line label that draws what fits, ending in "…", and keeps its whole text in
    ``text()`` and its tooltip. It asks for its text's width, but no more than
    ``LABEL_SHARE`` of its parent's."""

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        parent = self.parentWidget()
        if parent is not None and parent.width() > 0:
            hint.setWidth(min(hint.width(), round(parent.width() * LABEL_SHARE)))
        return hint

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("…") * 6), hint.height())

    def shown_text(self) -> str:
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width()
        )

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        flags = int(self.alignment() | Qt.AlignmentFlag.AlignVCenter)
        self.style().drawItemText(
            painter, self.contentsRect(), flags, self.palette(), self.isEnabled(), self.shown_text()
        )


class ElidingStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._permanent: list[QWidget] = []
        self.messageChanged.connect(self._message_changed)

    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:
        super().addPermanentWidget(widget, stretch)
        self._permanent.append(widget)

    def message_rect(self) -> QRect:
        """Where Qt writes the message: up to the first permanent widget (or the size grip)."""
        left, margin = MESSAGE_MARGINS
        right = self.width() - margin
        grip = self.findChild(QSizeGrip)
        if grip is not None and grip.isVisible():
            right = min(right, grip.x())
        for widget in self._permanent:
            if widget.isVisible():
                right = min(right, widget.x() - 2)
        return QRect(left, 0, max(0, right - left), self.height())

    def shown_message(self) -> str:
        """The message as drawn: whole when it fits, else cut at its end with "…"."""
        width = self.message_rect().width()
        return self.fontMetrics().elidedText(self.currentMessage(), Qt.TextElideMode.ElideRight, width)

    def paintEvent(self, event: QPaintEvent) -> None:
        message = self.currentMessage()
        if not message:
            super().paintEvent(event)
            return
        # QStatusBar.paintEvent, with the message elided instead of clipped.
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self)
        for widget in self._permanent:
            if widget.isVisible():
                frame = QStyleOption()
                frame.rect = widget.geometry().adjusted(-2, -1, 2, 1)
                frame.palette = self.palette()
                self.style().drawPrimitive(
                    QStyle.PrimitiveElement.PE_FrameStatusBarItem, frame, painter, widget
                )
        painter.setPen(self.palette().windowText().color())
        flags = int(
            Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine
        )
        painter.drawText(self.message_rect(), flags, self.shown_message())

    def resizeEvent(self, event: QResizeEvent) -> None:
        for widget in self._permanent:
            widget.updateGeometry()  # an ElidedLabel's share follows the bar's width
        super().resizeEvent(event)
        self._message_changed(self.currentMessage())

    def _message_changed(self, message: str) -> None:
        self.setToolTip(message if message and self.shown_message() != message else "")
