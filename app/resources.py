"""The only code that knows where ``assets/`` lives.

From source the folder sits at the repository root, beside ``app/``. In a
PyInstaller bundle everything is unpacked under ``sys._MEIPASS``; the bundle's
spec must add ``assets`` as data with the destination ``assets``.
"""

from __future__ import annotations

import sys
from pathlib import Path

DEMO_CORPUS = ("demo", "corpus.txt")
CHECKPOINT = "checkpoint.safetensors"


def assets_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def asset_path(*parts: str) -> Path:
    return assets_dir().joinpath(*parts)


def demo_corpus() -> Path | None:
    """The built-in demo corpus, or None while it has not been shipped."""
    path = asset_path(*DEMO_CORPUS)
    return path if path.is_file() else None


def demo_model(cell: str) -> Path | None:
    """The shipped demo checkpoint for "lstm" or "rnn", or None when missing."""
    path = asset_path("demo", cell, CHECKPOINT)
    return path if path.is_file() else None


def is_inside_assets(path: str | Path) -> bool:
    """Shipped files are read-only in spirit: nothing the person makes is written beside them."""
    try:
        Path(path).resolve().relative_to(assets_dir().resolve())
    except ValueError:
        return False
    return True
