"""One menu command as a QAction: its text, keys, icon and tip, and the slot it calls."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QWidget

Keys = list[str] | QKeySequence.StandardKey | None


def make_action(
    window: QWidget,
    text: str,
    slot: Callable[[], object],
    keys: Keys = None,
    icon: QStyle.StandardPixmap | None = None,
    tip: str = "",
) -> QAction:
    action = QAction(text, window)
    if isinstance(keys, list):
        action.setShortcuts([QKeySequence(k) for k in keys])
    elif keys is not None:
        action.setShortcut(QKeySequence(keys))
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    action.setToolTip(tip or text.replace("…", ""))
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)  # shortcuts work whichever panel has focus
    return action
