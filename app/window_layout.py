"""Where the window's docks go, and remembering that between sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QWidget

if TYPE_CHECKING:
    from app.main_window import MainWindow

DEFAULT_SIZE = (1500, 960)
SIDE_WIDTHS = (290, 470)  # corpus on the left, the LSTM/RNN contrast on the right
TRAINING_SHARE = 0.42  # of the window's height: plots and options stay usable down to 1280×720


def scrolling(panel: QWidget) -> QScrollArea:
    """A tab page that scrolls when the window is short, instead of forcing the window tall
    (a panel's minimum height once pushed the window past 720 pixels)."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def default_size() -> tuple[int, int]:
    """The default size, or the screen's available area when that is smaller."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return DEFAULT_SIZE
    available = screen.availableGeometry()
    return min(DEFAULT_SIZE[0], available.width()), min(DEFAULT_SIZE[1], available.height())


def size_docks(window: MainWindow) -> None:
    docks = window.docks
    window.resizeDocks([docks["corpus"], docks["contrast"]], list(SIDE_WIDTHS), Qt.Orientation.Horizontal)
    height = round(window.height() * TRAINING_SHARE)
    window.resizeDocks([docks["training"]], [height], Qt.Orientation.Vertical)


def add_dock(window: MainWindow, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(f"dock-{title.lower().replace(' ', '-')}")  # saveState finds docks by name
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock


def restore_layout(window: MainWindow) -> None:
    geometry = window.settings.get_bytes("window/geometry")
    if geometry is None or not window.restoreGeometry(geometry):
        window.resize(*default_size())
    else:
        state = window.settings.get_bytes("window/state")
        if state is not None:
            window.restoreState(state)
    if geometry is None:
        size_docks(window)


def save_layout(window: MainWindow) -> None:
    window.settings.set_bytes("window/geometry", window.saveGeometry())
    window.settings.set_bytes("window/state", QByteArray(window.saveState()))
    window.settings.sync()
