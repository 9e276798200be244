"""The wheel scrolls the page under the pointer; a value changes only in a focused field."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea, QSpinBox, QWidget

from app.wheel_guard import WheelGuard, _page_of, guard_wheels


def _wheel(widget: QWidget, *, ctrl: bool = False) -> None:
    middle = widget.rect().center()
    event = QWheelEvent(
        QPointF(middle),
        QPointF(widget.mapToGlobal(middle)),
        QPoint(0, 0),
        QPoint(0, -120),  # one notch down
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_scrolling_over_an_unfocused_field_leaves_its_value(qtbot, window):
    hidden = window.dashboard.options.hidden
    page = _page_of(hidden)
    assert page is not None  # the options sit in a scrolling page
    window.resize(1200, 500)  # short enough that the page scrolls
    qtbot.waitUntil(lambda: page.verticalScrollBar().maximum() > 0, timeout=5000)
    before, scrolled = hidden.value(), page.verticalScrollBar().value()
    window.generation.editor.setFocus()
    _wheel(hidden)
    assert hidden.value() == before
    assert page.verticalScrollBar().value() > scrolled  # the page moved instead


def test_a_focused_field_takes_the_wheel(qtbot, monkeypatch):
    page, inner = QScrollArea(), QWidget()
    inner.setMinimumHeight(2000)
    field = QSpinBox(inner)
    field.setRange(0, 100)
    field.setValue(50)
    page.setWidget(inner)
    page.resize(300, 200)
    qtbot.addWidget(page)
    page.show()
    guard_wheels(page, WheelGuard(page))
    _wheel(field)
    assert field.value() == 50
    monkeypatch.setattr(field, "hasFocus", lambda: True)  # clicked into (offscreen has no focus)
    _wheel(field)
    assert field.value() != 50


def test_a_plot_in_a_page_scrolls_the_page_and_zooms_only_with_ctrl(qtbot, window):
    window.tabs.setCurrentIndex([window.tabs.tabText(i) for i in range(window.tabs.count())].index("Explain"))
    window.resize(1200, 500)
    plot = window.explain.findChildren(pg.PlotWidget)[0]
    page = _page_of(plot)
    assert page is not None
    qtbot.waitUntil(lambda: plot.isVisible() and page.verticalScrollBar().maximum() > 0, timeout=5000)
    view_box = plot.getPlotItem().getViewBox()
    before, scrolled = view_box.viewRange(), page.verticalScrollBar().value()
    _wheel(plot.viewport())
    assert view_box.viewRange() == before
    assert page.verticalScrollBar().value() > scrolled
    scrolled = page.verticalScrollBar().value()
    _wheel(plot.viewport(), ctrl=True)  # Ctrl: the plot has the wheel, the page stays
    assert page.verticalScrollBar().value() == scrolled


def test_scrolling_over_the_unfocused_clamp_slider_leaves_its_value(qtbot, window):
    slider = window.gates.tools.value
    page = _page_of(slider)
    assert page is not None
    window.tabs.setCurrentIndex(window.tabs.indexOf(page))
    before = slider.value()
    window.generation.editor.setFocus()
    _wheel(slider)
    assert slider.value() == before
    slider.setFocus()  # clicked first, as in most desktop apps: then the wheel moves it
    _wheel(slider)
    assert slider.value() != before
