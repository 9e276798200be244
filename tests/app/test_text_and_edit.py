"""What a person expects of a desktop writing window: File ▸ Save Text As…, copying without
the editor's formatting, an Edit menu acting on the focused text, and a title naming what is
loaded."""

from __future__ import annotations

import errno
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog

from app.menus import shortcuts_text
from tests.app.conftest import load_corpus

TEXT = "Héllo wörld ✓\nA second line.\n"


def _save_dialog_answers(monkeypatch, path: Path) -> list[str]:
    """The Save dialog answers ``path``; the folder each one opened in is recorded."""
    opened: list[str] = []

    def answer(_parent, _caption, start, *_a, **_k):
        opened.append(start)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    return opened


def test_save_text_as_writes_utf8_and_remembers_the_folder(window, tmp_path, monkeypatch):
    window.generation.editor.setPlainText(TEXT)
    target = tmp_path / "texts" / "story.txt"
    target.parent.mkdir()
    opened = _save_dialog_answers(monkeypatch, target)
    window.actions_by_name["save_text"].trigger()
    assert target.read_bytes() == TEXT.encode("utf-8")
    assert not list(target.parent.glob(".*part"))  # no temporary file left behind
    window.actions_by_name["save_text"].trigger()  # the second time it opens where the first saved
    assert Path(opened[1]).parent == target.parent


def test_a_failed_save_says_why_and_leaves_the_old_file(window, tmp_path, monkeypatch, dialogs):
    target = tmp_path / "texts" / "story.txt"
    target.parent.mkdir()
    target.write_text("the old text", encoding="utf-8")
    window.generation.editor.setPlainText(TEXT)
    _save_dialog_answers(monkeypatch, target)

    def disk_full(self, *_a, **_k):
        with open(self, "w", encoding="utf-8") as half:
            half.write("Hé")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    window.actions_by_name["save_text"].trigger()
    monkeypatch.undo()
    title, text = dialogs[-1]
    assert title == "Cannot save" and "story.txt" in text and "disk is full" in text
    assert target.read_text(encoding="utf-8") == "the old text"
    assert sorted(p.name for p in target.parent.iterdir()) == ["story.txt"]  # no partial file


def test_copying_from_the_editor_puts_plain_text_only(window):
    editor = window.generation.editor
    editor.setPlainText(TEXT)
    editor.selectAll()
    editor.copy()
    data = QGuiApplication.clipboard().mimeData()
    assert data.formats() == ["text/plain"] and data.text() == TEXT
    QGuiApplication.clipboard().clear()
    editor.moveCursor(editor.textCursor().MoveOperation.End)  # nothing selected: the whole text
    window.actions_by_name["copy_plain"].trigger()
    data = QGuiApplication.clipboard().mimeData()
    assert data.formats() == ["text/plain"] and data.text() == TEXT


def _focus(qtbot, window, widget) -> None:
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=5_000)


def test_the_edit_menu_has_the_standard_edits_with_qts_keys(qtbot, window):
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert list(menus)[:2] == ["&File", "&Edit"]
    texts = [a.text() for a in menus["&Edit"].actions() if not a.isSeparator()]
    for wanted in ("Undo", "Redo", "Cut", "Copy", "Paste", "Select All", "Find…"):
        assert wanted in texts
    actions = window.actions_by_name
    for name, key in (
        ("undo", QKeySequence.StandardKey.Undo),
        ("redo", QKeySequence.StandardKey.Redo),
        ("cut", QKeySequence.StandardKey.Cut),
        ("copy", QKeySequence.StandardKey.Copy),
        ("paste", QKeySequence.StandardKey.Paste),
        ("select_all", QKeySequence.StandardKey.SelectAll),
        ("find", QKeySequence.StandardKey.Find),
    ):
        assert actions[name].shortcut() == QKeySequence(key), name


def _choose(window, name: str) -> None:
    """Edit ▸ <name>, as a click in the menu: it opens (and looks at the focus), then the item."""
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    menus["&Edit"].aboutToShow.emit()
    window.actions_by_name[name].trigger()


def test_the_edit_menu_acts_on_the_focused_text(qtbot, window):
    prompt = window.generation.prompt
    _focus(qtbot, window, prompt)
    qtbot.keyClicks(prompt, "once upon")
    _choose(window, "select_all")
    assert prompt.textCursor().selectedText() == "once upon"
    _choose(window, "cut")
    assert prompt.toPlainText() == ""
    _choose(window, "paste")
    assert prompt.toPlainText() == "once upon"
    _choose(window, "undo")
    assert prompt.toPlainText() == ""
    window.runs.table.setFocus()  # no text in focus: nothing to cut, and the table keeps Ctrl+C
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.runs.table, timeout=5_000)
    assert not window.actions_by_name["cut"].isEnabled() and not window.actions_by_name["copy"].isEnabled()


def test_find_selects_the_next_match_in_the_focused_text(qtbot, window):
    editor = window.generation.editor
    editor.setPlainText("the cat sat on the mat with the hat")
    _focus(qtbot, window, editor)
    _choose(window, "find")
    dialogs = [w for w in QApplication.topLevelWidgets() if w.windowTitle() == "Find" and w.isVisible()]
    assert len(dialogs) == 1
    find = dialogs[0]
    find.query.setText("the")
    qtbot.keyClick(find.query, Qt.Key.Key_Return)
    assert editor.textCursor().selectedText() == "the"
    first = editor.textCursor().selectionStart()
    qtbot.keyClick(find.query, Qt.Key.Key_Return)
    assert editor.textCursor().selectionStart() > first
    find.query.setText("dog")
    assert not find.find_next() and "not in the text" in find.outcome.text()
    find.close()


def test_the_title_names_the_model_and_the_corpus_and_marks_unsaved_text(
    qtbot, window, tiny, tmp_path, monkeypatch
):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    run = tiny.lstm.parent.name
    assert window.windowTitle() == f"{run}[*] — corpus.txt — LSTM Studio"
    assert not window.isWindowModified()
    window.generation.editor.setFocus()
    window.generation.editor.insertPlainText("typed")
    assert window.isWindowModified()
    _save_dialog_answers(monkeypatch, tmp_path / "saved.txt")
    window.actions_by_name["save_text"].trigger()
    assert not window.isWindowModified()


def test_tab_to_accept_is_in_the_keyboard_shortcuts(window):
    text = shortcuts_text(window.actions_by_name)
    assert "Tab" in text and "suggestion" in text
