"""Dialogs in the window's words: no command-line syntax, and titles short enough that the
title bar, which adds " — LSTM Studio", does not cut them; the message carries the detail."""

from __future__ import annotations

import ast
from pathlib import Path

from app import window_guards
from tests.app.conftest import load_corpus

APP = Path(__file__).resolve().parents[2] / "app"
MOST_TITLE_CHARS = 16  # "Cannot use this corpus — LSTM Studio" showed as "Cannot us…TM Studio"
BOXES = {"warning", "critical", "information", "question"}


def _dialog_titles() -> list[tuple[str, str]]:
    """(where, title) of every QMessageBox and window_guards.ask call in app/ with a literal title."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            boxed = isinstance(func, ast.Attribute) and func.attr in BOXES
            boxed = boxed and isinstance(func.value, ast.Name) and func.value.id == "QMessageBox"
            asked = isinstance(func, ast.Name) and func.id == "ask"
            title = node.args[1]
            if (boxed or asked) and isinstance(title, ast.Constant) and isinstance(title.value, str):
                found.append((f"{path.name}:{node.lineno}", title.value))
    return found


def test_every_dialog_title_is_short():
    titles = _dialog_titles()
    assert len(titles) > 20  # the scan sees the window's dialogs
    long = [(where, title) for where, title in titles if len(title) > MOST_TITLE_CHARS]
    assert long == []


def test_a_corpus_that_cannot_be_read_has_a_short_title(qtbot, window, dialogs, tmp_path):
    bad = tmp_path / "picture.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    with qtbot.waitSignal(window.corpus.failed, timeout=10_000):
        window.open_corpus([str(bad)])
    title, text = dialogs[-1]
    assert len(title) <= MOST_TITLE_CHARS and "picture.txt" in text


def test_an_empty_separator_is_explained_in_the_windows_words(qtbot, window, tiny, dialogs):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    corpus = window.corpus
    corpus.documents_kind.setCurrentIndex(corpus.documents_kind.findText("separator…"))
    assert not window_guards.confirm_start(window)
    _title, text = dialogs[-1]
    assert "separator:" not in text and "TEXT" not in text  # the command line's syntax
    assert "Separator box" in text and "Corpus panel" in text
