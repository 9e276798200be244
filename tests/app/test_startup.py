"""The window shows, reads and takes typing before the engine (torch) has loaded."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from app.engine_loader import load_engine
from app.main_window import MainWindow
from tests.app.conftest import TinyAssets

ROOT = Path(__file__).resolve().parents[2]


def test_the_first_window_imports_neither_torch_nor_the_plots() -> None:
    code = (
        "import sys, app.__main__, app.launch, app.main_window; "
        "print('torch' in sys.modules, 'pyqtgraph' in sys.modules, 'lstm_core.model' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["False", "False", "False"]


def test_window_takes_typing_and_a_corpus_while_the_engine_loads(qtbot, tiny: TinyAssets, tmp_path) -> None:
    gate = threading.Event()
    started = threading.Event()

    def slow_loader() -> None:
        started.set()
        gate.wait(30)
        load_engine()

    window = MainWindow(data_dir=tmp_path / "data", load_defaults=False, engine_loader=slow_loader)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(started.is_set, timeout=5_000)
    assert not window.ready and window.statusBar().currentMessage() == "Loading the engine…"
    assert not window.loading_page.generate_button.isEnabled()  # needs the engine

    window.early_prompt.setFocus()
    qtbot.keyClicks(window.early_prompt, "I grew up in")
    assert window.early_prompt.toPlainText() == "I grew up in"
    with qtbot.waitSignal(window.corpus.loaded, timeout=20_000):
        window.open_corpus([str(tiny.corpus)])
    assert window.corpus.tokens_label.text() != "–" and not window.ready

    with qtbot.waitSignal(window.engine_ready, timeout=60_000):
        gate.set()
    assert window.ready
    assert window.generation.prompt.toPlainText() == "I grew up in"  # handed over, caret at its end
    assert window.generation.prompt.textCursor().position() == len("I grew up in")
    assert window.actions_by_name["train"].isEnabled()
    assert window.dashboard.corpus_paths == (str(tiny.corpus),)  # the corpus read while loading
    assert window.statusBar().currentMessage() != "Loading the engine…"
    assert window.open_model(tiny.lstm)
    assert window.actions_by_name["generate"].isEnabled()
    window.close()
