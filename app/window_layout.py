"""Where the window's docks go, and remembering that between sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QWidget

if TYPE_CHECKING:
    from app.main_window import MainWindow

DEFAULT_SIZE = (1500, 960)
SIDE_WIDTHS = (290, 470)  # corpus on the left, the LSTM/RNN contrast on the right
TRAINING_HEIGHT = 400


def add_dock(window: MainWindow, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(f"dock-{title.lower().replace(' ', '-')}")  # saveState finds docks by name
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock


def restore_layout(window: MainWindow) -> None:
    geometry = window.settings.get_bytes("window/geometry")
    if geometry is None or not window.restoreGeometry(geometry):
        window.resize(*DEFAULT_SIZE)
    else:
        state = window.settings.get_bytes("window/state")
        if state is not None:
            window.restoreState(state)
    if geometry is None:
        docks = window.docks
        window.resizeDocks([docks["corpus"], docks["contrast"]], list(SIDE_WIDTHS), Qt.Orientation.Horizontal)
        window.resizeDocks([docks["training"]], [TRAINING_HEIGHT], Qt.Orientation.Vertical)


def save_layout(window: MainWindow) -> None:
    window.settings.set_bytes("window/geometry", window.saveGeometry())
    window.settings.set_bytes("window/state", QByteArray(window.saveState()))
    window.settings.sync()
