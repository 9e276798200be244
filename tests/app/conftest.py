"""Shared fixtures: tiny models trained once per session, a window pointed at them,
and dialogs that record instead of blocking."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from PySide6.QtWidgets import QMessageBox

from app.main_window import MainWindow
from training.demo.tiny import train_tiny_models, write_fallback_corpus

torch.set_num_threads(1)


@dataclass(frozen=True)
class TinyAssets:
    corpus: Path
    lstm: Path
    rnn: Path


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyAssets:
    root = tmp_path_factory.mktemp("tiny")
    corpus = write_fallback_corpus(root / "corpus.txt")
    lstm, rnn = train_tiny_models(corpus, root / "run", steps=20)
    return TinyAssets(corpus, lstm, rnn)


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every QMessageBox the app shows, as (title, text); none of them blocks."""
    seen: list[tuple[str, str]] = []

    def show(_parent: object, title: str, text: str, *_a: object, **_k: object) -> QMessageBox.StandardButton:
        seen.append((title, text))
        return QMessageBox.StandardButton.Ok

    for name in ("warning", "information", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(show))
    return seen


@pytest.fixture
def window(qtbot, tmp_path: Path, tiny: TinyAssets, dialogs: list) -> Iterator[MainWindow]:
    win = MainWindow(data_dir=tmp_path / "data", load_defaults=False)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    assert win.open_model(tiny.lstm)  # brings its RNN (run/rnn) along
    yield win
    win.close()
    assert not win.training.running


def load_corpus(qtbot, win: MainWindow, paths: list[str]) -> None:
    with qtbot.waitSignal(win.corpus.loaded, timeout=20_000):
        win.open_corpus(paths)
