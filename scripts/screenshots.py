"""Screenshots of the window for docs/: every tab, and the training dock mid-run,
at 1280×720 and 1920×1080. Offscreen, with a throwaway data folder:

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py docs
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from app.launch import make_application

SIZES = ((1280, 720), (1920, 1080))


def _wait(app, seconds: float, until=lambda: False) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not until():
        app.processEvents()
        time.sleep(0.02)


def main(out: Path) -> int:
    app = make_application(["screenshots"])
    from PySide6.QtWidgets import QMessageBox

    from app.main_window import MainWindow

    for name in ("warning", "information", "question"):  # nobody is there to click
        setattr(QMessageBox, name, staticmethod(lambda *_a, **_k: QMessageBox.StandardButton.Yes))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        window = MainWindow(data_dir=Path(data))
        window.show()
        _wait(app, 20, lambda: window.corpus.current is not None)
        for width, height in SIZES:
            window.resize(width, height)
            window.reset_layout()
            _wait(app, 0.5)
            for index in range(window.tabs.count()):
                window.tabs.setCurrentIndex(index)
                _wait(app, 0.5)
                tab = window.tabs.tabText(index).lower().replace(" ", "-")
                window.grab().save(str(out / f"window-{tab}-{width}x{height}.png"))
        window.tabs.setCurrentIndex(0)
        dash = window.dashboard
        dash.options.set_tiny(steps=3000, hidden=128)
        dash.start()
        _wait(app, 60, lambda: dash.plots.points("rnn", "val") >= 2)
        for width, height in SIZES:
            window.resize(width, height)
            _wait(app, 1.0)
            window.grab().save(str(out / f"training-{width}x{height}.png"))
        dash.controller.stop()
        _wait(app, 30, lambda: not window.training.running)
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")))
