"""An empty plot's note is read whole at any width: it wraps rather than being cut at the edges."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from app.panels.empty_plot import EmptyNote
from app.panels.training_plots import NO_DATA, TrainingPlots


def _inside(note: EmptyNote) -> bool:
    """Whether the note's whole text lies within its plot's view box."""
    box = note.plot.getViewBox()
    drawn = note.label.mapRectToItem(box, note.label.boundingRect())
    return box.boundingRect().contains(drawn)


def test_the_training_note_wraps_inside_a_narrow_plot(qtbot) -> None:
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(640, 200)  # side by side, about 300 px each: a 1280×720 window's Training dock
    plots.show()
    qtbot.waitUntil(lambda: plots.side_by_side is True)
    qtbot.waitUntil(lambda: 0 < plots.loss_plot.getViewBox().width() < 320)
    note = plots.loss_note
    assert note.text == NO_DATA  # all of it, not a shortened line
    assert _inside(note), (note.label.boundingRect(), note.plot.getViewBox().boundingRect())
    assert _inside(plots.grad_note)
    one_line = plots.grad_note.label.boundingRect().height()
    assert note.label.boundingRect().height() > one_line  # wrapped onto more lines

    plots.resize(1800, 900)  # wide enough: one line again, still centred
    qtbot.waitUntil(lambda: plots.loss_plot.getViewBox().width() > 600)
    assert note.label.boundingRect().height() == one_line
    assert _inside(note)
    centre = note.plot.getViewBox().boundingRect().center()
    drawn = note.label.mapRectToItem(note.plot.getViewBox(), note.label.boundingRect())
    assert abs(drawn.center().x() - centre.x()) < 2
