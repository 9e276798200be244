"""Where the window's docks go, and remembering that between sessions."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QTabWidget, QToolButton, QWidget

from app.loading_page import loading_label
from app.settings import Settings

DEFAULT_SIZE = (1500, 960)
CORPUS_WIDTH = 270  # the corpus panel's fields and preview, no wider
# The LSTM/RNN contrast: a quarter of the width, within these bounds. At a fixed 470 pixels it
# kept over a third of a 1280-pixel window while unused; below 320 its two samples are a few
# words a line. Its button on the tabs' corner hides it and brings it back at its last width.
CONTRAST_SHARE = 0.25
CONTRAST_WIDTHS = (320, 460)
# Of the window's height, at least TRAINING_LEAST pixels: buttons, progress and plots in view.
# At 0.42 the dock left the Generate editor four or five lines at 1280×720.
TRAINING_SHARE = 0.30
TRAINING_LEAST = 220


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


def contrast_width(window_width: int) -> int:
    low, high = CONTRAST_WIDTHS
    return max(low, min(high, round(window_width * CONTRAST_SHARE)))


def size_docks(window: QMainWindow, docks: Mapping[str, QDockWidget]) -> None:
    widths = [CORPUS_WIDTH, contrast_width(window.width())]
    window.resizeDocks([docks["corpus"], docks["contrast"]], widths, Qt.Orientation.Horizontal)
    height = max(TRAINING_LEAST, round(window.height() * TRAINING_SHARE))
    window.resizeDocks([docks["training"]], [height], Qt.Orientation.Vertical)


def add_docks(window: QMainWindow, corpus: QWidget) -> dict[str, QDockWidget]:
    """The corpus panel's dock, and the two the engine's panels fill once it has loaded."""
    area = Qt.DockWidgetArea
    docks = {
        "corpus": add_dock(window, "Corpus", corpus, area.LeftDockWidgetArea),
        "contrast": add_dock(window, "LSTM vs RNN", loading_label(), area.RightDockWidgetArea),
        "training": add_dock(window, "Training", loading_label(), area.BottomDockWidgetArea),
    }
    tabs = window.centralWidget()
    if isinstance(tabs, QTabWidget):
        tabs.setCornerWidget(dock_toggle(docks["contrast"]), Qt.Corner.TopRightCorner)
    return docks


def dock_toggle(dock: QDockWidget) -> QToolButton:
    """A button beside the tabs that hides the dock and brings it back. Qt keeps a hidden
    dock's width, and the window's saved state keeps it between sessions."""
    action = dock.toggleViewAction()
    action.setToolTip(f"Show or hide the {dock.windowTitle()} panel")
    button = QToolButton()
    button.setDefaultAction(action)
    button.setAutoRaise(True)
    button.setObjectName(f"toggle-{dock.objectName()}")
    return button


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
