from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.panels.corpus_panel import heading
from tests.app.conftest import load_corpus


def test_loading_a_corpus_fills_the_panel(qtbot, window, tiny):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    panel = window.corpus
    text = tiny.corpus.read_text(encoding="utf-8")
    assert panel.encoding_label.text() == "utf-8"
    assert panel.tokens_label.text() == f"{len(text):,}"  # char level: one token per character
    assert panel.vocab_label.text() == f"{len(set(text)):,} distinct characters"  # as a set of the text says
    assert panel.preview.toPlainText().startswith(text[:100])
    assert window.dashboard.corpus_paths == (str(tiny.corpus),)
    assert window.dashboard.start_button.isEnabled()


def test_level_change_recounts_tokens(qtbot, window, tiny):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    chars = int(window.corpus.tokens_label.text().replace(",", ""))
    window.corpus.level.setCurrentText("word")
    qtbot.waitUntil(
        lambda: window.corpus.tokens_label.text() not in ("counting…", f"{chars:,}"), timeout=10_000
    )
    words = int(window.corpus.tokens_label.text().replace(",", ""))
    assert 0 < words < chars
    assert window.dashboard.options.level.currentText() == "word"  # one level for panel and dashboard


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "binary"), (b"", "empty")],
)
def test_bad_file_gives_a_dialog_and_the_app_stays_usable(
    qtbot, window, dialogs, tiny, tmp_path, content, reason
):
    bad = tmp_path / "picture.txt"
    bad.write_bytes(content)
    with qtbot.waitSignal(window.corpus.failed, timeout=10_000):
        window.open_corpus([str(bad)])
    assert len(dialogs) == 1
    _title, text = dialogs[0]
    assert "picture.txt" in text and reason in text
    load_corpus(qtbot, window, [str(tiny.corpus)])  # still works afterwards
    assert window.corpus.current is not None and window.corpus.current.paths == (str(tiny.corpus),)


def test_folder_and_recent_corpora(qtbot, window, tiny, tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text(tiny.corpus.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b.bin").write_bytes(b"\x00\x01" * 100)  # skipped with a warning, not fatal
    load_corpus(qtbot, window, [str(folder)])
    assert "skipped" in window.corpus.warnings_label.text()
    assert window.settings.recent_corpora()[0] == [str(folder)]
    assert [a.text() for a in window.recent_corpora_menu.actions()] == [Path(folder).name]


def test_a_big_corpus_shows_progress_and_cancel_keeps_the_previous_one(qtbot, window, tiny, tmp_path):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    panel = window.corpus
    big = tmp_path / "big.txt"
    big.write_text("Some words to read, over and over again.\n" * 500_000, encoding="utf-8")  # 21 MB
    loaded: list[object] = []
    panel.loaded.connect(loaded.append)
    panel.load([str(big)])
    assert panel.progress.isVisibleTo(panel) and panel.cancel_button.isVisibleTo(panel)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.busy, timeout=20_000)
    assert loaded == [] and panel.current is not None and panel.current.paths == (str(tiny.corpus),)
    assert not panel.progress.isVisibleTo(panel)
    assert panel.name_label.text() == heading(panel.current.corpus)


def test_preview_breaks_lines_between_words(qtbot, window, tmp_path):
    text = "Apache License Version two point zero granted hereby to everyone reading. " * 40
    path = tmp_path / "licence.txt"
    path.write_text(text, encoding="utf-8")
    window.docks["corpus"].setFixedWidth(260)
    load_corpus(qtbot, window, [str(path)])
    preview = window.corpus.preview
    qtbot.waitUntil(lambda: preview.document().firstBlock().layout().lineCount() > 3, timeout=5_000)
    block = preview.document().firstBlock()
    layout = block.layout()
    for index in range(1, layout.lineCount()):
        start = layout.lineAt(index).textStart()
        assert block.text()[start - 1] == " ", f"line {index} starts inside a word"
