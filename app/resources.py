"""The window's view of the shipped ``assets/``. Where the folder is, from source or
frozen, is decided in one place for the CLI and the window: ``training.demo.assets``."""

from __future__ import annotations

from pathlib import Path

from training.checkpoints.checkpoint import FILE_NAME as CHECKPOINT
from training.demo.assets import assets_dir

DEMO_CORPUS = ("demo", "corpus.txt")
# Help ▸ User Guide shows the documentation pages beside assets/, the first of these that is
# there: docs/index.md links to every other page. The source tree, the bundle (build.spec) and
# the wheel (setup.py) all keep docs/ and README.md beside assets/, so relative links resolve
# the same in each. Failing both, the window shows a few key points.
GUIDES = (("docs", "index.md"), ("README.md",))


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


def user_guide() -> Path | None:
    """The user guide to show: the documentation's first page, else the README."""
    for parts in GUIDES:
        path = assets_dir().parent.joinpath(*parts)
        if path.is_file():
            return path
    return None
