"""What a person wrote in the Generate tab outlives quitting, and a crash."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from app import session_text
from app.main_window import MainWindow
from app.session_text import FILE_NAME, read_session_text, write_session_text


def _window(qtbot, data) -> MainWindow:
    win = MainWindow(data_dir=data, load_defaults=False)
    qtbot.addWidget(win)
    win.show()
    return win


def test_the_prompt_and_the_text_come_back_after_quitting(qtbot, tmp_path, dialogs) -> None:
    data = tmp_path / "data"
    first = _window(qtbot, data)
    first.generation.prompt.setPlainText("Once more")
    first.generation.editor.setFocus()
    qtbot.keyClicks(first.generation.editor, "An hour of my own writing")
    qtbot.keyClick(first.generation.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(first.generation.editor, "on two lines.")
    first.close()

    again = _window(qtbot, data)
    assert again.generation.prompt.toPlainText() == "Once more"
    assert again.generation.editor.toPlainText() == "An hour of my own writing\non two lines."
    assert again.generation.editor.document().isModified()  # still not saved to a file
    assert again.generation.editor.typed  # the person's text: a new output goes after it
    again.close()


def test_the_text_is_kept_while_the_window_runs(qtbot, tmp_path, monkeypatch, dialogs) -> None:
    monkeypatch.setattr(session_text, "SAVE_AFTER_MS", 50)
    data = tmp_path / "data"
    win = _window(qtbot, data)
    win.generation.editor.setFocus()
    qtbot.keyClicks(win.generation.editor, "kept before any crash")
    qtbot.waitUntil(
        lambda: (read_session_text(data) or ("", ""))[1] == "kept before any crash", timeout=5_000
    )
    win.close()


def test_an_unwritable_or_damaged_file_loses_nothing_else(tmp_path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    write_session_text(blocked, "p", "t")  # logged, not raised: typing goes on
    assert blocked.read_text(encoding="utf-8") == "not a folder"
    (tmp_path / FILE_NAME).write_text("{not json", encoding="utf-8")
    assert read_session_text(tmp_path) is None
    (tmp_path / FILE_NAME).write_text(json.dumps({"prompt": "p", "text": "t"}), encoding="utf-8")
    assert read_session_text(tmp_path) == ("p", "t")
