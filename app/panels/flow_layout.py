"""A layout that lines its items up in rows and wraps to the next row when the width runs out.

The Generate tab's eight sampling fields and its row of buttons need about 800 pixels side by
side; at 1280×720 the centre of the window has about 500, and a fixed row made the tab scroll
sideways and hid the last fields. Wrapping keeps every control in view at any width.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QVBoxLayout, QWidget


class FlowLayout(QLayout):
    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self._height = 0  # what the rows take at the width last given; 0 before the first layout
        self.setContentsMargins(0, 0, 0, 0)

    # ---- QLayout's bookkeeping ---------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    # No height-for-width: a scroll area then sizes the whole page by its preferred height
    # (every editor at full size) and scrolls on a 1080-pixel screen. Instead the height the
    # rows need at the current width is this layout's minimum and preferred height.
    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        height = self._arrange(rect, move=True)
        if height != self._height:
            self._height = height
            self.update()  # posted, not immediate: the parent asks again with the new height

    def sizeHint(self) -> QSize:
        """Everything on one row, or as many rows as the current width needs."""
        width = sum(item.sizeHint().width() for item in self._items)
        width += self._spacing * max(0, len(self._items) - 1)
        return QSize(width, self._rows_height()) + self._margins()

    def minimumSize(self) -> QSize:
        """As narrow as the widest single item: the rest wraps below it."""
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return QSize(size.width(), self._rows_height()) + self._margins()

    def _rows_height(self) -> int:
        one_row = max((item.sizeHint().height() for item in self._items), default=0)
        return max(one_row, self._height - self.contentsMargins().top() - self.contentsMargins().bottom())

    def _margins(self) -> QSize:
        m = self.contentsMargins()
        return QSize(m.left() + m.right(), m.top() + m.bottom())

    # ---- placing the items -------------------------------------------------------------
    def _arrange(self, rect: QRect, *, move: bool) -> int:
        """Place the items left to right, wrapping; return the height that takes."""
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, row_height = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, row_height = area.x(), y + row_height + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            row_height = max(row_height, hint.height())
        return y + row_height - rect.y() + m.bottom()


def labelled(label: str, widget: QWidget) -> QWidget:
    """A field as one piece: its name above its box, so the two always wrap together."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(QLabel(label))
    layout.addWidget(widget)
    return box
