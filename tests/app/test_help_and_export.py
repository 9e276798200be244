"""Help ▸ User Guide and File ▸ Export ONNX…, as the window offers them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication, QFileDialog, QTextBrowser

from app import resources


def _help_menu(window):
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    return [a.text() for a in menus["&Help"].actions()]


def test_user_guide_shows_the_documentation_and_follows_its_links(qtbot, window):
    assert "User Guide" in _help_menu(window)
    window.actions_by_name["user_guide"].trigger()
    shown = [w for w in QApplication.topLevelWidgets() if w.windowTitle() == "User Guide" and w.isVisible()]
    assert len(shown) == 1
    browser = shown[0].findChild(QTextBrowser)
    text = browser.toPlainText()
    assert "LSTM Studio" in text and "What is where" in text  # docs/index.md, rendered from Markdown
    assert browser.source().toLocalFile().endswith("docs/index.md")
    browser.setSource(browser.source().resolved(QUrl("promises.md")))  # what clicking the link does
    assert browser.toPlainText().startswith("What LSTM Studio promises")
    browser.backward()
    assert "What is where" in browser.toPlainText()
    window.actions_by_name["user_guide"].trigger()  # asked again: the same window, to the front
    again = [w for w in QApplication.topLevelWidgets() if w.windowTitle() == "User Guide" and w.isVisible()]
    assert again == shown
    shown[0].close()


def test_the_readme_is_the_guide_where_no_pages_are_shipped(tmp_path, monkeypatch):
    (tmp_path / "assets").mkdir()
    (tmp_path / "README.md").write_text("# LSTM Studio\n", encoding="utf-8")
    monkeypatch.setattr(resources, "assets_dir", lambda: tmp_path / "assets")
    assert resources.user_guide() == tmp_path / "README.md"
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# LSTM Studio\n", encoding="utf-8")
    assert resources.user_guide() == tmp_path / "docs" / "index.md"


def test_without_a_guide_the_key_points_are_shown(window, dialogs, monkeypatch):
    monkeypatch.setattr(resources, "assets_dir", lambda: Path("/nonexistent/assets"))
    window.actions_by_name["user_guide"].trigger()
    title, text = dialogs[-1]
    assert title == "User guide" and "Tab accepts" in text and "Start (F5)" in text


def _export_into(monkeypatch, folder: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(folder), "")))


def test_export_onnx_writes_the_four_files_in_the_background(qtbot, window, tmp_path, monkeypatch, dialogs):
    assert "Export ONNX…" in [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    out = tmp_path / "exported"
    _export_into(monkeypatch, out)
    model = window.models.main.model
    weights_before = next(model.parameters()).dtype
    window.actions_by_name["export_onnx"].trigger()
    assert window.tasks.running  # off the GUI thread
    qtbot.waitUntil(lambda: not window.tasks.running, timeout=120_000)
    assert dialogs == []
    names = sorted(p.name for p in out.iterdir())
    assert names == ["model.json", "prompt.onnx", "step.onnx", "tokenizer.json"]
    assert "Exported to" in window.statusBar().currentMessage()
    assert window.models.main.model is model and next(model.parameters()).dtype == weights_before


def test_export_onnx_without_onnx_says_how_to_get_it(window, tmp_path, monkeypatch, dialogs):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a)
    )
    out = tmp_path / "exported"
    _export_into(monkeypatch, out)
    window.actions_by_name["export_onnx"].trigger()
    title, text = dialogs[-1]
    assert title == "Cannot export" and "pip install onnx" in text
    assert not out.exists() and not window.tasks.running
