"""Help ▸ User Guide and File ▸ Export ONNX…, as the window offers them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PySide6.QtWidgets import QApplication, QFileDialog, QTextBrowser

from app import resources


def _help_menu(window):
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    return [a.text() for a in menus["&Help"].actions()]


def test_user_guide_shows_the_shipped_readme(qtbot, window):
    assert "User Guide" in _help_menu(window)
    window.actions_by_name["user_guide"].trigger()
    shown = [w for w in QApplication.topLevelWidgets() if w.windowTitle() == "User Guide" and w.isVisible()]
    assert len(shown) == 1
    text = shown[0].findChild(QTextBrowser).toPlainText()
    assert "LSTM Studio" in text and "Presets" in text  # the README, rendered from its Markdown
    window.actions_by_name["user_guide"].trigger()  # asked again: the same window, to the front
    again = [w for w in QApplication.topLevelWidgets() if w.windowTitle() == "User Guide" and w.isVisible()]
    assert again == shown
    shown[0].close()


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
