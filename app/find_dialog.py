"""Edit ▸ Find…: a small box that finds text in one of the window's text views.

Non-modal, so the text stays in reach while it is open. The search goes on from the caret
and wraps at the end (or the start, searching back); a miss says so in the box.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

Searchable = QPlainTextEdit | QTextEdit


def find_in(view: Searchable, text: str, *, backward: bool = False, match_case: bool = False) -> bool:
    """Select the next match after the caret (before it, searching back), wrapping once."""
    flags = QTextDocument.FindFlag(0)
    if backward:
        flags |= QTextDocument.FindFlag.FindBackward
    if match_case:
        flags |= QTextDocument.FindFlag.FindCaseSensitively
    if not text:
        return False
    if view.find(text, flags):
        return True
    cursor = view.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start)
    view.setTextCursor(cursor)
    return view.find(text, flags)


class FindDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find")
        self.view: Searchable | None = None
        self.query = QLineEdit()
        self.query.setPlaceholderText("Text to find")
        self.match_case = QCheckBox("Match case")
        self.outcome = QLabel("")
        next_button = QPushButton("Find Next")
        next_button.setDefault(True)
        next_button.clicked.connect(self.find_next)
        previous_button = QPushButton("Find Previous")
        previous_button.clicked.connect(self.find_previous)
        QShortcut(QKeySequence("Shift+Return"), self, self.find_previous)
        row = QHBoxLayout()
        row.addWidget(self.match_case)
        row.addStretch(1)
        row.addWidget(previous_button)
        row.addWidget(next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addLayout(row)
        layout.addWidget(self.outcome)

    def search(self, view: Searchable) -> None:
        """Open on ``view``, the selection (if any) as the text to find."""
        self.view = view
        selected = view.textCursor().selectedText()
        if selected and "\u2029" not in selected:  # a selection across lines is no query
            self.query.setText(selected)
        self.outcome.setText("")
        self.show()
        self.raise_()
        self.activateWindow()
        self.query.setFocus()
        self.query.selectAll()

    def find_next(self) -> bool:
        return self._find(backward=False)

    def find_previous(self) -> bool:
        return self._find(backward=True)

    def _find(self, *, backward: bool) -> bool:
        if self.view is None:
            return False
        text = self.query.text()
        found = find_in(self.view, text, backward=backward, match_case=self.match_case.isChecked())
        self.outcome.setText("" if found or not text else f"“{text}” is not in the text.")
        return found
