"""A plain-text editor that shows a greyed suggestion after the caret; Tab accepts it.

The suggestion is painted over the viewport, never inserted into the document,
so undo, the text and the caret stay exactly what the person typed. Generated text
goes in as edits Undo reverses, never by ``setPlainText`` (which forgets the undo
history, and with it what the person had typed): a generation, streamed or replacing
the text, is one step of Undo. Text the person typed is never replaced: a new output goes
after it (``put_in``); only the program's own earlier output is written over.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QPalette, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

PAUSE_MS = 450  # long enough not to fire between keystrokes of a fluent typist
RIGHT_MARGIN = 4  # px kept clear of the viewport's right edge
# Keys this editor handles itself, for Help ▸ Keyboard Shortcuts: (what they do, the key).
KEYS_WITHOUT_ACTIONS = (
    ("Accept the grey suggestion (Generate tab)", "Tab"),
    ("Dismiss the grey suggestion", "Esc"),
)
# Spaces and punctuation, then one word: the rest of the word at the caret, or the next one.
_NEXT_WORD = re.compile(r"[^\S\n]*[^\w\s]*[^\S\n]*\w+|[^\S\n]*\S+")


def through_next_word(text: str) -> str:
    """A suggestion cut at the end of its first word, as a person completes words: after
    "The quick bro", "wn fox jumps" suggests "wn"; after "The ", "fox jumps" suggests "fox";
    after "fox", ", said he" suggests ", said". Text with no word in it (spaces) stays whole."""
    line = text.split("\n", 1)[0]
    found = _NEXT_WORD.match(line)
    return found.group(0) if found else line


class CompletionEditor(QPlainTextEdit):
    typing_paused = Signal(str, int)  # (text before the caret, caret position) after a pause in typing

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.suggestion = ""
        self._suggestion_at = -1
        self.completion_enabled = True
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(PAUSE_MS)
        self._pause.timeout.connect(self._paused)
        self.cursorPositionChanged.connect(self._caret_moved)
        self._joins_step = False  # streamed text joins the step before it (see begin_output)
        self.typed = False  # the person changed the text since the program last wrote it
        self._writing = False  # the program's own edits, which do not count as typing
        # Where the last Generate's text (its prompt and output) starts: the one region the
        # next Generate may write over, while the person has not touched the text since.
        self._own_from: int | None = None
        self.document().contentsChanged.connect(self._changed)

    def _changed(self) -> None:
        if not self._writing:
            self.typed = True  # typing, pasting, a kept suggestion, Undo: all the person's

    def put_in(self, text: str) -> None:
        """A new output's start (a prompt, a kept alternative), as one step of Undo that
        output streamed next joins: over the last Generate's own text while the person has not
        touched it, else after everything, a blank line between. What was typed stays."""
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        end, prefix = cursor.position(), ""
        if not self.toPlainText().strip():
            start = 0  # nothing but blank lines: they go
        elif self.typed or self._own_from is None:
            start, prefix = end, "\n\n"
        else:
            start = min(self._own_from, end)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        text = prefix + text
        self._writing = True  # contentsChanged comes at endEditBlock: the flag spans it
        cursor.beginEditBlock()
        cursor.insertText(text)
        cursor.endEditBlock()
        self._writing = False
        self._own_from = start + len(prefix)
        self._joins_step, self.typed = True, False
        self.moveCursor(QTextCursor.MoveOperation.End)

    def begin_output(self) -> None:
        """Output streamed from now on is a step of Undo of its own, and joins the text before
        it (a continuation): no later Generate writes over it."""
        self._joins_step = False
        self._own_from = None

    def append_output(self, text: str) -> None:
        """Streamed text at the end, joined to this output's step of Undo."""
        self._write_at_end(text, joined=self._joins_step)

    def _write_at_end(self, text: str, *, joined: bool) -> None:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._writing = True
        if joined:
            cursor.joinPreviousEditBlock()
        else:
            cursor.beginEditBlock()
        self._joins_step = True
        cursor.insertText(text)
        cursor.endEditBlock()
        self._writing = False
        self.moveCursor(QTextCursor.MoveOperation.End)

    def set_suggestion(self, text: str, position: int) -> None:
        """Show text after the caret, if the caret is still where it was asked for."""
        text = text.split("\n", 1)[0]
        if position != self.textCursor().position() or self.textCursor().hasSelection():
            return
        self.suggestion, self._suggestion_at = text, position
        self.viewport().update()

    def clear_suggestion(self) -> None:
        if self.suggestion:
            self.suggestion, self._suggestion_at = "", -1
            self.viewport().update()

    def accept_suggestion(self) -> bool:
        if not self.suggestion:
            return False
        text = self.suggestion
        self.clear_suggestion()
        self.insertPlainText(text)
        self._pause.start()  # keep completing from the new caret position
        return True

    def _caret_moved(self) -> None:
        if self.textCursor().position() != self._suggestion_at:
            self.clear_suggestion()

    def _paused(self) -> None:
        if self.completion_enabled and not self.isReadOnly():
            cursor = self.textCursor()
            self.typing_paused.emit(self.toPlainText()[: cursor.position()], cursor.position())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Tab and self.suggestion and not event.modifiers():
            self.accept_suggestion()
            return
        if event.key() == Qt.Key.Key_Escape and self.suggestion:
            self.clear_suggestion()
            return
        self.clear_suggestion()
        super().keyPressEvent(event)
        if event.text() and self.completion_enabled:
            self._pause.start()  # only typing starts the wait, never streamed text

    def createMimeDataFromSelection(self) -> QMimeData:
        # Plain text only: Qt adds the selection as HTML too, and a word processor then
        # pasted it in the editor's fixed-width font.
        data = QMimeData()
        data.setText(self.textCursor().selectedText().replace("\u2029", "\n"))
        return data

    def visible_suggestion(self) -> str:
        """The suggestion elided ("…") to what fits between the caret and the right edge."""
        room = self.viewport().width() - self.cursorRect().left() - 1 - RIGHT_MARGIN
        return self.fontMetrics().elidedText(self.suggestion, Qt.TextElideMode.ElideRight, max(0, room))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.suggestion:
            return
        rect = self.cursorRect()
        painter = QPainter(self.viewport())
        painter.setFont(self.font())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        baseline = rect.top() + self.fontMetrics().ascent()
        painter.drawText(rect.left() + 1, baseline, self.visible_suggestion())
        painter.end()
