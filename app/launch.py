"""Start the window (or the self-test) from ``lstm-studio`` with no subcommand."""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from app import APP_NAME, __version__
from app.engine_loader import load_engine, torch_first
from app.platform_check import missing_system_library

if torch_first():  # Windows: torch's DLLs before Qt's (see app.engine_loader.torch_first)
    import torch  # noqa: F401


def parse_args(args: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lstm-studio", description="Open the LSTM Studio window.")
    parser.add_argument(
        "paths", nargs="*", help="corpus files or folders, or a checkpoint.safetensors, to open"
    )
    parser.add_argument("--version", action="version", version=f"lstm-studio {__version__}")
    parser.add_argument("--self-test", action="store_true", help="run the end-to-end path without a person")
    parser.add_argument("--screenshot", metavar="PATH", help="with --self-test: save a PNG of the window")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="keep settings and runs here instead of the user folder"
    )
    return parser.parse_args(args)


def missing_paths_message(paths: list[str]) -> str | None:
    """What to say when a path given to the window does not exist: a bare word there is more
    likely a mistyped subcommand than a corpus, so it is named as one."""
    missing = [p for p in paths if not Path(p).exists()]
    if not missing:
        return None
    from training.cli import COMMANDS

    first = missing[0]
    if first == paths[0] and not Path(first).suffix and os.sep not in first and "/" not in first:
        return (
            f"lstm-studio: '{first}' is neither a command nor a file or folder here "
            f"(commands: {', '.join(COMMANDS)}; lstm-studio --help)"
        )
    return f"lstm-studio: no such file or folder: {', '.join(repr(p) for p in missing)}"


def _has_display() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def make_application(argv: list[str]):  # -> QApplication (import deferred until the platform is chosen)
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        return app
    # Qt's raster painter hands large fills to a pool of helper threads and waits for them.
    # During training the other cores are busy with its kernels, so the helpers queued behind
    # them while the window's thread waited: a plot redraw took half as long again on two
    # cores (benchmarks/gui_stall.py). Painting on the window's thread alone avoids the wait.
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
    # Fractional scale factors (125 %, 150 %) are used as they are, not rounded: crisp on high-DPI screens.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication(argv)
    app.setApplicationDisplayName(APP_NAME)
    return app


def launch_gui(args: list[str]) -> int:
    opts = parse_args(args)
    problem = missing_paths_message(opts.paths)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if opts.self_test and not _has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    missing = missing_system_library()  # before Qt, whose own message is a page long
    if missing:
        print(missing, file=sys.stderr)
        return 2  # as for a missing path: the person can put it right
    app = make_application([sys.argv[0] if sys.argv else "lstm-studio"])
    data_dir = Path(opts.data_dir) if opts.data_dir else None
    if opts.self_test:
        from app.self_test import run_self_test

        return run_self_test(screenshot=opts.screenshot, data_dir=data_dir)

    from app.main_window import MainWindow

    # The window shows first; torch, the models and the plots load behind it.
    window = MainWindow(data_dir=data_dir, engine_loader=load_engine)
    models = [p for p in opts.paths if p.endswith(".safetensors")]
    texts = [p for p in opts.paths if p not in models]
    for model in models:
        window.when_ready(partial(window.open_model, model))
    if texts:
        window.open_corpus(texts)
    window.show()
    return app.exec()
