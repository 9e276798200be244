"""Every tab of the window at 1280×720 and 1920×1080: its controls in view without
scrolling the tab (a plot or a long result may scroll inside itself)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QScrollArea

LONG_COPY_LINE = (
    "Longest copied span: 54 characters (from corpus.txt, line 260); "
    "27.1% of characters in copied spans of ≥ 50 characters"
)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_no_tab_scrolls_at_the_common_window_sizes(qtbot, window, size) -> None:
    gen = window.generation
    gen.editor.setPlainText("I grew up in Turkey. Our friend cleaned some bread with care.\n" * 20)
    gen.copy_line.setText(LONG_COPY_LINE)  # two lines at 1280×720
    window.resize(*size)
    window.reset_layout()  # the docks as a first launch at this size has them
    tabs = window.tabs
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        qtbot.wait(150)  # layouts settle
        outer = tabs.widget(index)
        assert isinstance(outer, QScrollArea)
        title, page = tabs.tabText(index), outer.widget()
        needed = max(page.minimumSizeHint().height(), page.heightForWidth(outer.viewport().width()))
        assert outer.verticalScrollBar().maximum() == 0, (title, needed, outer.viewport().height())
        assert outer.horizontalScrollBar().maximum() == 0, title
    tabs.setCurrentIndex(0)
    qtbot.wait(100)
    for widget in (
        gen.prompt,
        gen.temperature,
        gen.generate_button,
        gen.history_button,
        gen.suggest,
        gen.status,
    ):
        assert widget.isVisible() and not widget.visibleRegion().isEmpty(), widget
    assert gen.editor.height() >= 4 * gen.editor.fontMetrics().lineSpacing()  # a few lines of the result


def test_the_copy_line_takes_no_room_until_it_has_something_to_say(qtbot, window) -> None:
    gen = window.generation
    gen.copy_line.setText("")
    assert gen.copy_line.isHidden()
    gen.copy_line.setText(LONG_COPY_LINE)
    assert not gen.copy_line.isHidden()
