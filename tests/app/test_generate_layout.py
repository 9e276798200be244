"""The Generate tab at the two screen sizes the docs show: every control in view, no scrolling."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QScrollArea

from app.panels.next_token_view import NextTokenView


def test_generate_tab_fits_1280x720_without_sideways_scrolling(qtbot, window):
    window.resize(1280, 720)
    window.reset_layout()
    qtbot.wait(50)
    area = window.tabs.widget(0)
    assert isinstance(area, QScrollArea)
    gen = window.generation
    assert area.horizontalScrollBar().maximum() == 0
    for widget in (gen.temperature, gen.seed, gen.decoding.length_penalty, gen.history_button, gen.suggest):
        right = widget.mapTo(area.viewport(), QPoint(widget.width(), 0)).x()
        assert widget.isVisible() and right <= area.viewport().width(), widget


def test_generate_tab_does_not_scroll_at_1920x1080(qtbot, window):
    gen = window.generation
    gen.copy_line.setText("3 samples of 300 tokens: longest copied span 27 characters " * 3)  # wraps
    window.resize(1280, 720)
    window.tabs.setCurrentIndex(window.tabs.count() - 1)  # resized while hidden, as in the docs' script
    window.resize(1920, 1080)
    window.reset_layout()
    window.tabs.setCurrentIndex(0)
    qtbot.wait(100)
    area = window.tabs.widget(0)
    assert isinstance(area, QScrollArea)
    assert area.verticalScrollBar().maximum() == 0
    assert area.horizontalScrollBar().maximum() == 0


def test_a_short_candidate_view_shows_whole_rows_only(qtbot):
    view = NextTokenView()
    qtbot.addWidget(view)
    view.set_candidates([(f"t{i}", 0.1) for i in range(10)])
    row = view.fontMetrics().height() + 6
    view.resize(200, 4 + row * 5 + row // 2)  # room for five and a half rows
    assert view.visible_rows() == 5
    assert view.row_at(view.row_centre(4)) == 4
    assert view.row_at(view.row_centre(5)) == -1  # the half-shown sixth row is not drawn, nor clickable
    view.resize(200, 1000)
    assert view.visible_rows() == 10
