"""The log file: every background failure with its full traceback, in the per-user data folder.

The person sees a short message where the work was asked for; whoever helps
them afterwards reads ``<data dir>/logs/lstm-studio.log`` (Help ▸ Open Log Folder).
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

LOG_FILE = "lstm-studio.log"
MAX_BYTES = 1_000_000  # a few thousand tracebacks; the oldest roll over into .1 ... .3
BACKUPS = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_folder(data_dir: Path) -> Path:
    return data_dir / "logs"


class _LogFile(RotatingFileHandler):
    """Our handler, told apart from anyone else's so a second window replaces it."""


def start_log_file(data_dir: Path) -> Path:
    """Send warnings and errors of every logger to the data folder's log file; returns its path.

    Called once per window: the newest window's folder wins, and the previous file is closed.
    """
    folder = log_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _LogFile)]:
        root.removeHandler(handler)
        handler.close()
    handler = _LogFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    return path


def open_log_folder(data_dir: Path) -> bool:
    """Show the log folder in the platform's file manager; False when that could not be done."""
    folder = log_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
