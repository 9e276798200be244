"""Where the shipped assets live: beside the packages in a source tree, or in the
folder PyInstaller unpacks to when the app runs frozen."""

from __future__ import annotations

import sys
from pathlib import Path


def assets_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen is not None:  # a frozen bundle has no source tree to fall back on
        return Path(frozen) / "assets"
    return Path(__file__).resolve().parents[2] / "assets"


def demo_dir() -> Path:
    """The demo corpus and its two models: corpus.txt, lstm/, rnn/."""
    return assets_dir() / "demo"
