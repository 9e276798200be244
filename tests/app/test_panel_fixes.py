"""Panels: plots follow the palette, Gates waits until shown, the contrast columns
clear when the models change, the grey suggestion fits the editor."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QColor, QPalette

from app.panels.completion_editor import CompletionEditor
from app.panels.contrast_panel import ContrastPanel
from app.panels.explain_panel import ExplainPanel
from app.panels.gates_panel import GatesPanel
from app.panels.training_plots import TrainingPlots
from tests.app.measure_pair import tiny_pair


def _light() -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#fefefe"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#101010"))
    return palette


def test_every_plot_follows_a_light_palette(qtbot):
    explain, gates, training = ExplainPanel(), GatesPanel(), TrainingPlots()
    views = [*explain.plots.values(), *gates.plots.values(), training.view]
    for panel in (explain, gates, training):
        qtbot.addWidget(panel)
        panel.setPalette(_light())
    for view in views:
        assert view.backgroundBrush().color() == QColor("#fefefe"), view
    axis = explain.plots["long"].getPlotItem().getAxis("left")
    assert axis.textPen().color() == QColor("#101010")
    explain.shutdown()


def test_gates_waits_until_shown(qtbot):
    panel = GatesPanel()
    qtbot.addWidget(panel)
    panel.set_models(*tiny_pair())
    assert panel._trace is None and not panel.images  # hidden: nothing generated yet
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.show()
        qtbot.waitExposed(panel)
    assert set(panel.images) == {"forget", "input", "output", "c"}


def test_contrast_columns_clear_when_the_models_change(qtbot):
    panel = ContrastPanel()
    qtbot.addWidget(panel)
    lstm, rnn = tiny_pair()
    panel.set_models(lstm, rnn)
    with qtbot.waitSignal(panel.compared, timeout=20_000):
        panel.compare()
    qtbot.waitUntil(lambda: not panel.running)
    assert panel.columns["main"].text.toPlainText()
    panel.set_models(lstm, None)
    assert panel.columns["main"].text.toPlainText() == ""
    assert panel.columns["rnn"].text.toPlainText() == ""
    panel.shutdown()


def test_a_long_suggestion_is_elided_to_the_visible_width(qtbot):
    editor = CompletionEditor()
    qtbot.addWidget(editor)
    editor.resize(300, 120)
    editor.show()
    qtbot.waitExposed(editor)
    editor.setPlainText("Once")
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    editor.set_suggestion(" upon a time there was a very long sentence that cannot fit here", 4)
    shown = editor.visible_suggestion()
    assert shown.endswith("…")
    room = editor.viewport().width() - editor.cursorRect().left()
    assert editor.fontMetrics().horizontalAdvance(shown) <= room
