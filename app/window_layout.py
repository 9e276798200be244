"""Where the window's docks go, and remembering that between sessions."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget

from app.loading_page import loading_label
from app.settings import Settings

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


def size_docks(window: QMainWindow, docks: Mapping[str, QDockWidget]) -> None:
    window.resizeDocks([docks["corpus"], docks["contrast"]], list(SIDE_WIDTHS), Qt.Orientation.Horizontal)
    height = round(window.height() * TRAINING_SHARE)
    window.resizeDocks([docks["training"]], [height], Qt.Orientation.Vertical)


def add_docks(window: QMainWindow, corpus: QWidget) -> dict[str, QDockWidget]:
    """The corpus panel's dock, and the two the engine's panels fill once it has loaded."""
    area = Qt.DockWidgetArea
    return {
        "corpus": add_dock(window, "Corpus", corpus, area.LeftDockWidgetArea),
        "contrast": add_dock(window, "LSTM vs RNN", loading_label(), area.RightDockWidgetArea),
        "training": add_dock(window, "Training", loading_label(), area.BottomDockWidgetArea),
    }


def add_dock(window: QMainWindow, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(f"dock-{title.lower().replace(' ', '-')}")  # saveState finds docks by name
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock


def restore_layout(window: QMainWindow, settings: Settings, docks: Mapping[str, QDockWidget]) -> None:
    geometry = settings.get_bytes("window/geometry")
    if geometry is None or not window.restoreGeometry(geometry):
        window.resize(*default_size())
    else:
        state = settings.get_bytes("window/state")
        if state is not None:
            window.restoreState(state)
    if geometry is None:
        size_docks(window, docks)


def save_layout(window: QMainWindow, settings: Settings) -> None:
    settings.set_bytes("window/geometry", window.saveGeometry())
    settings.set_bytes("window/state", QByteArray(window.saveState()))
    settings.sync()
