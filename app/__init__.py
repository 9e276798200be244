"""LSTM Studio: the desktop window and the ``lstm-studio`` entry point."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lstm-studio")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.1.0"
