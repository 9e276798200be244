"""The mouse wheel scrolls the page under it; it changes a value only where the person meant to.

Qt gives a wheel event to the widget under the pointer, so a person scrolling the Advanced
options changed Hidden size from 512 to 256 as it passed under the pointer, and scrolling
the Explain page zoomed its plots to nonsense. The guard sends the wheel on to the page
instead: over a spin box, combo box or slider that does not have the focus (click it first, as in
most desktop apps), and over a plot inside a scrolling page unless Ctrl is held.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGraphicsView,
    QSlider,
    QWidget,
)


def _page_of(widget: QWidget) -> QAbstractScrollArea | None:
    """The nearest scrolling page around ``widget`` (a plot's own view does not count)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QGraphicsView):
            return parent
        parent = parent.parentWidget()
    return None


class WheelGuard(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget):
            return False
        assert isinstance(event, QWheelEvent)
        if isinstance(watched, QAbstractSpinBox | QComboBox | QAbstractSlider):
            meant = watched.hasFocus()
        else:  # a plot's viewport
            meant = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        page = _page_of(watched)
        if meant or page is None:
            return False
        # The page scrolls, as if the field or plot were not there (through its viewport's
        # filters, where a scroll area takes its wheel).
        QApplication.sendEvent(page.viewport(), event)
        return True


def guard_wheels(root: QWidget, guard: WheelGuard) -> None:
    """Put ``guard`` on every field and plot under ``root``. A field that is only focused
    by a click or Tab stops taking the focus from the wheel itself."""
    for kind in (QAbstractSpinBox, QComboBox, QSlider):  # a page's scroll bars keep their wheel
        for field in root.findChildren(kind):
            field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            field.installEventFilter(guard)
    for view in root.findChildren(QGraphicsView):
        if _page_of(view) is not None:
            view.viewport().installEventFilter(guard)
