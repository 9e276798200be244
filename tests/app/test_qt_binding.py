from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_alive(qtbot) -> None:
    # PySide6 6.12.0 takes a reference off None on every Qt call that returns nothing;
    # a long training run then aborts the whole app ("none_dealloc").
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(1000):
        label.setText(str(i))
    assert abs(sys.getrefcount(None) - before) < 50
