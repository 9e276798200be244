"""Help at the caret while the person writes: the grey suggestion after a pause in
typing, and the model's next-token candidates, which a click types at the caret.

Both are scored on background threads; a result that arrives after the caret has
moved on (or the model has changed) is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer

from app.panels.completion_editor import through_next_word
from lstm_core.sampling import SamplingSettings, generate, next_token_candidates

if TYPE_CHECKING:
    from PySide6.QtWidgets import QCheckBox, QLabel

    from app.background import Background
    from app.model_store import LoadedModel
    from app.panels.completion_editor import CompletionEditor
    from app.panels.next_token_view import NextTokenView

CONTEXT_CHARS = 2000  # the recurrent state carries further, but the prefix need not be longer
SUGGEST_TOKENS = 24  # enough for the next word at any level (a BPE word is a few pieces)
CANDIDATES_DELAY_MS = 150  # after the caret settles: arrow keys held down ask for nothing


class AssistedPanel(Protocol):
    """What the assist reads of the Generate panel, each time it is about to score."""

    tasks: Background
    loaded: LoadedModel | None
    editor: CompletionEditor
    candidates: NextTokenView
    suggest: QCheckBox
    status: QLabel

    @property
    def busy(self) -> bool: ...


class CaretAssist(QObject):
    def __init__(self, panel: AssistedPanel, parent: QObject) -> None:
        super().__init__(parent)
        self.panel = panel
        self.editor, self.candidates = panel.editor, panel.candidates
        self._candidate_request = 0
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CANDIDATES_DELAY_MS)
        self._timer.timeout.connect(self._request_candidates)
        self.editor.typing_paused.connect(self._suggest)
        self.editor.cursorPositionChanged.connect(self.schedule_candidates)
        self.candidates.picked.connect(self.insert_token)
        panel.suggest.toggled.connect(self._suggest_toggled)

    def stop(self) -> None:
        """Start no more work: the window is closing. A timer that fired after its jobs were
        waited for would start one that outlives the window, and its thread would be deleted
        with the window while it ran."""
        self._stopped = True
        self._timer.stop()

    def insert_token(self, token: str) -> None:
        """A next-token candidate clicked: typed at the caret, as if the person had."""
        if self.editor.isReadOnly():
            return
        self.editor.clear_suggestion()
        self.editor.insertPlainText(token)
        self.editor.setFocus()

    def _suggest_toggled(self, on: bool) -> None:
        self.editor.completion_enabled = on
        if not on:
            self.editor.clear_suggestion()

    def _suggest(self, prefix: str, position: int) -> None:
        panel, loaded = self.panel, self.panel.loaded
        if self._stopped or loaded is None or panel.busy or not panel.suggest.isChecked():
            return
        settings = SamplingSettings(max_tokens=SUGGEST_TOKENS, greedy=True, stop=("\n",))
        context = prefix[-CONTEXT_CHARS:]

        def work(_report: object) -> str:
            return "".join(generate(loaded.model, loaded.tokenizer, context, settings))

        panel.tasks.run(
            work,
            name="suggestion",
            on_done=lambda text: self.editor.set_suggestion(through_next_word(text), position),
            on_error=lambda message: panel.status.setText(f"Suggestion failed: {message}"),
        )

    def schedule_candidates(self) -> None:
        if self.panel.loaded is not None and not self.panel.busy:
            self._timer.start()

    def _request_candidates(self) -> None:
        panel, loaded = self.panel, self.panel.loaded
        if self._stopped or loaded is None or panel.busy:
            return
        cursor = self.editor.textCursor()
        prefix = self.editor.toPlainText()[: cursor.position()][-CONTEXT_CHARS:]
        self._candidate_request += 1
        request = self._candidate_request

        def done(result: list[tuple[str, float]]) -> None:
            if request == self._candidate_request and panel.loaded is loaded:
                self.candidates.set_candidates(result)

        panel.tasks.run(
            lambda _report: next_token_candidates(loaded.model, loaded.tokenizer, prefix, k=10),
            name="candidates",
            on_done=done,
            on_error=lambda message: self.candidates.set_note(f"Cannot score: {message}"),
        )
