"""Where the shipped assets live. One answer for the CLI and the window, in three places:

- frozen (PyInstaller): in the folder the bundle unpacks to, ``sys._MEIPASS/assets``
- installed from a wheel: package data beside this package, ``site-packages/training/assets``
  (pyproject.toml and setup.py map the source tree's ``assets/`` there)
- a source tree (editable installs too): ``assets/`` beside the packages
"""

from __future__ import annotations

import sys
from pathlib import Path

# The folder name inside the ``training`` package that a wheel installs the assets to. The
# source tree has no such folder: setup.py maps ``assets/`` onto it when it builds the wheel.
INSTALLED_NAME = "assets"


def source_assets() -> Path:
    """``assets/`` of the source tree this package was imported from."""
    return Path(__file__).resolve().parents[2] / "assets"


def installed_assets() -> Path:
    """Where a wheel puts the assets: inside the ``training`` package."""
    return Path(__file__).resolve().parents[1] / INSTALLED_NAME


def assets_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen is not None:  # a frozen bundle has no source tree to fall back on
        return Path(frozen) / "assets"
    installed = installed_assets()
    # Installed first: from site-packages, parents[2] is lib/pythonX.Y, where an unrelated
    # assets/ folder could be; a source tree never has training/assets.
    return installed if installed.is_dir() else source_assets()


def demo_dir() -> Path:
    """The demo corpus and its two models: corpus.txt, lstm/, rnn/."""
    return assets_dir() / "demo"
