"""Screenshots of the window for docs/: every tab, and the training dock mid-run,
at 1280×720 and 1920×1080, on the built-in demo with a throwaway data folder:

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py docs

The window is filled first, as a person would: a generation and an LSTM/RNN contrast on
"I grew up in", the Explain figures measured, the Gates traced. Then a small LSTM and RNN
train side by side and are grabbed mid-run (``training-*.png``, and ``screenshot.png`` for
the README); stopped, their run fills the Runs tab, the demo models are loaded again and
every tab is grabbed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from app.launch import make_application
from app.main_window import MainWindow
from app.self_test import no_blocking_dialogs
from app.wait_for_signal import wait_for

SIZES = ((1280, 720), (1920, 1080))
PROMPT = "I grew up in"
HERO = (1920, 1080)  # the README's screenshot.png: mid-run at this size


def _settle(seconds: float, until: Callable[[], bool] = lambda: False) -> None:
    app = QApplication.instance()
    end = time.monotonic() + seconds
    while time.monotonic() < end and not until():
        if app is not None:
            app.processEvents()
        time.sleep(0.02)


def _save(window: MainWindow, path: Path) -> None:
    # Quality 0 is zlib's strongest compression for PNG: same pixels, smaller file.
    if not window.grab().toImage().save(str(path), "PNG", 0):
        raise RuntimeError(f"could not save {path}")
    print(f"{path} ({path.stat().st_size // 1024} KB)", flush=True)


def _show_tab(window: MainWindow, title: str) -> QWidget:
    for index in range(window.tabs.count()):
        if window.tabs.tabText(index) == title:
            window.tabs.setCurrentIndex(index)
            return window.tabs.widget(index)
    raise RuntimeError(f"no {title} tab")


def _fill(window: MainWindow) -> None:
    """Text in the editor and the contrast, measured figures in Explain and Gates."""
    gen = window.generation
    gen.prompt.setPlainText(PROMPT)
    gen.length.setValue(60)
    wait_for(gen.generated, 60, start=gen.generate, fail=gen.runner.failed)
    wait_for(window.contrast.compared, 60, start=window.contrast.compare)
    explain, gates = window.explain, window.gates
    wait_for(explain.computed, 300, start=lambda: _show_tab(window, "Explain"), fail=explain.failed)
    wait_for(gates.drawn, 120, start=lambda: _show_tab(window, "Gates"), fail=gates.failed)
    _show_tab(window, "Generate")


def _size(window: MainWindow, width: int, height: int) -> None:
    window.resize(width, height)
    window.reset_layout()  # the docks as a first launch at this size has them
    _settle(0.5)


def _train_mid_run(window: MainWindow, out: Path) -> None:
    dash = window.dashboard
    dash.options.set_tiny(steps=3000, hidden=128)
    dash.start()
    _settle(120, lambda: dash.plots.points("rnn", "val") >= 3 and dash.plots.points("lstm", "val") >= 3)
    for width, height in SIZES:
        _size(window, width, height)
        _save(window, out / f"training-{width}x{height}.png")
        if (width, height) == HERO:
            _save(window, out / "screenshot.png")
    dash.controller.stop()
    _settle(60, lambda: not window.training.running)


def _every_tab(window: MainWindow, out: Path) -> None:
    window.runs.refresh()
    window.runs.select_folders([record.folder for record in window.runs.records.values()])
    for width, height in SIZES:
        _size(window, width, height)
        for index in range(window.tabs.count()):
            window.tabs.setCurrentIndex(index)
            _settle(0.5)
            tab = window.tabs.tabText(index).lower().replace(" ", "-")
            _save(window, out / f"window-{tab}-{width}x{height}.png")
    window.tabs.setCurrentIndex(0)


def main(out: Path) -> int:
    make_application(["screenshots"])
    dialogs = no_blocking_dialogs()  # nobody is there to click; "Load the new model?" stays unanswered
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lstm-studio-") as data:
        window = MainWindow(data_dir=Path(data))  # the engine loads here, then the demo
        window.show()
        _settle(30, lambda: window.corpus.current is not None)
        _size(window, *SIZES[0])
        _fill(window)
        _train_mid_run(window, out)
        window.open_demo()  # the stopped run's small models may have been loaded: back to the demo
        _fill(window)
        _every_tab(window, out)
        window.close()
    errors = [d for d in dialogs if "Load" not in d]
    for line in errors:
        print(f"unexpected dialog: {line}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")))
