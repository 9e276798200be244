"""The Gates tab at the two window sizes people use most: nothing cut off on the right,
every heatmap at least its smallest height, and the tab itself never scrolls: the heatmaps,
a few pixels to a unit, scroll inside their pane, under the prompt and controls that stay
in view."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from app import window_layout
from app.panels.gates_panel import GatesPanel
from app.panels.heatmap import HEATMAP_HEIGHT


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_the_gates_tab_fits_the_window(qtbot, window, size) -> None:
    window.resize(*size)
    window_layout.size_docks(window, window.docks)
    tabs = window.tabs
    outer = tabs.widget([tabs.tabText(i) for i in range(tabs.count())].index("Gates"))
    panel = outer.widget()
    assert isinstance(panel, GatesPanel)
    with qtbot.waitSignal(panel.drawn, timeout=30_000):
        tabs.setCurrentWidget(outer)
    qtbot.wait(100)  # layouts settle
    assert outer.horizontalScrollBar().maximum() == 0, (outer.viewport().width(), panel.minimumSizeHint())
    for widget in (panel.prompt, panel.run_button, panel.show_box, panel.window_note):
        assert widget.geometry().right() <= panel.width()
    drawn = [plot for plot in panel.plots.values() if plot.isVisible()]
    assert len(drawn) == 4 and all(plot.height() >= HEATMAP_HEIGHT for plot in drawn)
    wide = size[0] == 1920
    assert panel.splitter.orientation() == (Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical)
    assert outer.verticalScrollBar().maximum() == 0  # prompt, controls and heatmap pane in view
    heatmaps = panel.splitter.heatmap_scroll
    assert panel.hover.isVisible() and not panel.hover.visibleRegion().isEmpty()  # under the pane
    four = heatmaps.verticalScrollBar().maximum()
    assert four > 0  # four heatmaps at a usable height scroll inside their pane
    panel.show_box.setCurrentIndex(panel.show_box.findData("c"))
    qtbot.wait(100)
    assert [name for name, plot in panel.plots.items() if plot.isVisible()] == ["c"]
    one = heatmaps.verticalScrollBar().maximum()
    assert one == 0 if wide else one < four  # one view alone gets the pane
    assert outer.verticalScrollBar().maximum() == 0
