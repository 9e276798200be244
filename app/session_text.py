"""The Generate tab's prompt and text, kept across quitting and crashes.

Written to the data folder a few seconds after each change and when the window closes, and
put back at the next start: a person who quits (or whose computer stops) with an hour's
writing in the editor finds it there again. The text is also still "not saved" (the title's
*) until File ▸ Save Text As… writes it somewhere of the person's choosing.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QPlainTextEdit

log = logging.getLogger(__name__)

FILE_NAME = "generate-tab.json"
SAVE_AFTER_MS = 3000  # after the last change: a burst of typing or streaming is one write


def read_session_text(data_dir: Path) -> tuple[str, str] | None:
    """(prompt, text) as last kept, or None when nothing was (or it cannot be read)."""
    try:
        kept = json.loads((data_dir / FILE_NAME).read_text(encoding="utf-8"))
        return str(kept["prompt"]), str(kept["text"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as err:
        log.warning("the Generate tab's kept text in %s is unreadable: %s", data_dir, err)
        return None


def write_session_text(data_dir: Path, prompt: str, text: str) -> None:
    """Kept whole or not at all: written beside, then moved over the last copy."""
    target = data_dir / FILE_NAME
    partial = target.with_suffix(".tmp")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps({"prompt": prompt, "text": text}), encoding="utf-8")
        os.replace(partial, target)
    except OSError as err:  # a full disk must not stop typing; the log says why
        log.warning("could not keep the Generate tab's text in %s: %s", data_dir, err)


class SessionText(QObject):
    """Keeps ``prompt`` and ``editor`` in ``data_dir``, and puts them back once."""

    def __init__(self, prompt: QPlainTextEdit, editor: QPlainTextEdit, data_dir: Path) -> None:
        super().__init__(editor)
        self.prompt, self.editor, self.data_dir = prompt, editor, data_dir
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_AFTER_MS)
        self._timer.timeout.connect(self.save)
        for box in (prompt, editor):
            box.textChanged.connect(self._timer.start)

    def restore(self) -> None:
        """The kept text into the editor (as the person's own: the next Generate goes after
        it), and the kept prompt where nothing was typed into the prompt while loading."""
        kept = read_session_text(self.data_dir)
        if kept is None:
            return
        prompt, text = kept
        if prompt and not self.prompt.toPlainText():
            self.prompt.setPlainText(prompt)
        if text and not self.editor.toPlainText():
            self.editor.setPlainText(text)
            self.editor.document().setModified(True)  # still not saved to a file of theirs
        self._timer.stop()  # putting it back is not a change to write again

    def save(self) -> None:
        self._timer.stop()
        write_session_text(self.data_dir, self.prompt.toPlainText(), self.editor.toPlainText())
