"""Edit ▸ Undo, Redo, Cut, Copy, Paste, Select All, Copy as Plain Text and Find…

Each acts on the text field or text view that has the keyboard focus, with Qt's standard
keys. While one has focus it handles those keys itself (Qt gives them to the focused text
widget first), so the actions serve the menu, and are enabled only when the focused
widget can do what they do: Ctrl+C in the Runs table still copies its cell.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QMimeData, QObject
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app.find_dialog import FindDialog, Searchable
from app.menu_actions import make_action

TextTarget = QLineEdit | QPlainTextEdit | QTextEdit
Key = QKeySequence.StandardKey

# (name, text, keys, the text widget's slot): the standard edits, in every Edit menu's order.
STANDARD_EDITS = (
    ("undo", "Undo", Key.Undo, "undo"),
    ("redo", "Redo", Key.Redo, "redo"),
    ("cut", "Cut", Key.Cut, "cut"),
    ("copy", "Copy", Key.Copy, "copy"),
    ("paste", "Paste", Key.Paste, "paste"),
    ("select_all", "Select All", Key.SelectAll, "selectAll"),
)
SLOTS = {name: slot for name, _text, _keys, slot in STANDARD_EDITS}


def text_target(widget: QWidget | None) -> TextTarget | None:
    """The text widget an edit acts on: ``widget`` itself, or a spin box's field."""
    if isinstance(widget, QAbstractSpinBox):
        widget = widget.findChild(QLineEdit)
    return widget if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)) else None


def _selected(target: TextTarget) -> str:
    if isinstance(target, QLineEdit):
        return target.selectedText() if target.echoMode() == QLineEdit.EchoMode.Normal else ""
    # A QTextCursor's selection separates paragraphs with U+2029, not "\n".
    return target.textCursor().selectedText().replace("\u2029", "\n")


def _text(target: TextTarget) -> str:
    return target.text() if isinstance(target, QLineEdit) else target.toPlainText()


def _can(target: TextTarget | None, edit: str) -> bool:
    if target is None:
        return False
    writable = not target.isReadOnly()
    if edit in ("undo", "redo"):
        if isinstance(target, QLineEdit):
            available = target.isUndoAvailable() if edit == "undo" else target.isRedoAvailable()
        else:
            document = target.document()
            available = document.isUndoAvailable() if edit == "undo" else document.isRedoAvailable()
        return writable and available
    if edit == "cut":
        return writable and bool(_selected(target))
    if edit == "copy":
        return bool(_selected(target))
    if edit == "paste":
        return writable
    # select_all. Asked at every change of focus: a document's emptiness, not a copy of its text.
    return bool(target.text()) if isinstance(target, QLineEdit) else not target.document().isEmpty()


def copy_plain_text(text: str) -> None:
    """``text`` to the clipboard as plain text only: pasted elsewhere it takes that place's
    font, not the editor's fixed-width one."""
    data = QMimeData()
    data.setText(text)
    QGuiApplication.clipboard().setMimeData(data)


class EditActions(QObject):
    """The Edit menu's actions, kept in step with the focused widget."""

    def __init__(self, window: QWidget, default_view: Callable[[], Searchable | None]) -> None:
        super().__init__(window)
        self.window = window
        self.default_view = default_view  # what Find and Copy as Plain Text use with no text focused
        self.find_dialog: FindDialog | None = None
        self.actions: dict[str, QAction] = {
            name: make_action(window, text, partial(self.edit, name), keys)
            for name, text, keys, _slot in STANDARD_EDITS
        }
        self.actions["copy_plain"] = make_action(
            window,
            "Copy as Plain Text",
            self.copy_plain,
            ["Ctrl+Shift+C"],
            tip="Copy the selection, or all the text when nothing is selected, without its formatting",
        )
        self.actions["find"] = make_action(window, "Find…", self.find, Key.Find)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)  # a slot of this object: gone with it
        self.refresh()

    def add_menu(self, bar: QMenuBar) -> QMenu:
        menu = bar.addMenu("&Edit")
        menu.addActions([self.actions[n] for n in ("undo", "redo")])
        menu.addSeparator()
        menu.addActions([self.actions[n] for n in ("cut", "copy", "copy_plain", "paste", "select_all")])
        menu.addSeparator()
        menu.addAction(self.actions["find"])
        menu.aboutToShow.connect(self.refresh)
        return menu

    def target(self) -> TextTarget | None:
        return text_target(QApplication.focusWidget())

    def refresh(self) -> None:
        target = self.target()
        for name in SLOTS:
            self.actions[name].setEnabled(_can(target, name))

    def _focus_changed(self, _old: QWidget | None, _new: QWidget | None) -> None:
        self.refresh()

    def edit(self, name: str) -> None:
        target = self.target()
        if target is not None and _can(target, name):
            getattr(target, SLOTS[name])()

    def copy_plain(self) -> None:
        target = self.target() or self.default_view()
        if target is not None:
            copy_plain_text(_selected(target) or _text(target))

    def find(self) -> None:
        target = self.target()
        view = target if isinstance(target, (QPlainTextEdit, QTextEdit)) else self.default_view()
        if view is None:
            return
        if self.find_dialog is None:
            self.find_dialog = FindDialog(self.window)
        self.find_dialog.search(view)
