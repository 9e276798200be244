"""The copy check in the window: copied spans of a generated text, underlined in the editor.

The check runs on a background thread (the first one on a corpus builds its index,
which ``training.copies.copy_check`` keeps in the run folder for the next time); the spans
come back as character offsets and are drawn as extra selections, so the document,
its undo history and the caret stay untouched. Hovering an underline names the
source: "from hamlet.txt, line 1204".
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QHelpEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QToolTip

from app.background import Background
from app.model_store import LoadedModel
from training.copies.copy_check import MIN_CHARS, CopyChecker, CopyReport, copy_checker
from training.run_spec import own_corpus

SKIPPED = "Copy check skipped: the model's training corpus is no longer on disk."
UNDERLINE = QColor("#d62728")


def utf16_position(text: str, index: int) -> int:
    """Qt counts a document in UTF-16 units; Python strings in code points."""
    return len(text[:index].encode("utf-16-le")) // 2


class CopyMarks(QObject):
    """Checks texts against the loaded model's corpus and marks what they copy."""

    def __init__(self, editor: QPlainTextEdit, line: QLabel, tasks: Background) -> None:
        super().__init__(editor)
        self.editor, self.line, self.tasks = editor, line, tasks
        self.spans: list[tuple[int, int, str]] = []  # (start, end, source) as document positions
        self.report: CopyReport | None = None
        self._checker: tuple[LoadedModel, CopyChecker] | None = None  # built once per model
        self._request = 0
        editor.viewport().installEventFilter(self)

    def check(self, loaded: LoadedModel, text: str, offset: int) -> None:
        """Check ``text``, which starts at character ``offset`` of the editor's text."""
        self.clear()
        request = self._request
        if not text.strip():
            return
        if own_corpus(loaded.meta) is None:
            self.line.setText(SKIPPED)
            return
        self.line.setText("Checking the text for spans copied from the corpus…")
        cached = self._checker[1] if self._checker and self._checker[0] is loaded else None

        def work(_report: object) -> tuple[CopyChecker, CopyReport]:
            checker = cached or copy_checker(loaded.meta, loaded.tokenizer)
            return checker, checker.check(text, min_chars=MIN_CHARS)

        def done(result: tuple[CopyChecker, CopyReport]) -> None:
            self._checker = (loaded, result[0])
            if request == self._request:
                self.show(result[1], offset)

        def failed(message: str) -> None:
            if request == self._request:
                self.line.setText(f"Copy check failed: {message}")

        self.tasks.run(work, on_done=done, on_error=failed, name="copy check")

    def show(self, report: CopyReport, offset: int) -> None:
        """Underline the report's spans, the checked text starting at ``offset``."""
        self.report = report
        text = self.editor.toPlainText()
        self.spans = [
            (
                utf16_position(text, offset + span.start),
                utf16_position(text, offset + span.end),
                span.source,
            )
            for span in report.spans
        ]
        fmt = QTextCharFormat()
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
        fmt.setUnderlineColor(UNDERLINE)
        fmt.setFontUnderline(True)
        selections = []
        for start, end, _source in self.spans:
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            selection.cursor, selection.format = cursor, fmt
            selections.append(selection)
        self.editor.setExtraSelections(selections)
        line = report.describe()
        self.line.setText(line[:1].upper() + line[1:])

    def clear(self) -> None:
        """Nothing checked on show: the underlines and the line go (a line about the last
        output must not stay under the next one), and a check under way is not shown."""
        self._request += 1
        self.spans, self.report = [], None
        self.editor.setExtraSelections([])
        self.line.setText("")

    def forget_model(self) -> None:
        self._checker = None
        self.clear()

    def source_at(self, position: int) -> str:
        """The tooltip for a document position: "from FILE, line N", or "" off the spans."""
        for start, end, source in self.spans:
            if start <= position < end:
                return f"Copied from {source}" if source else "Copied from the corpus"
        return ""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.source_at(self.editor.cursorForPosition(event.pos()).position())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.editor.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(watched, event)
