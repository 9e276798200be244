"""The window's view of the shipped ``assets/``. Where the folder is, from source or
frozen, is decided in one place for the CLI and the window: ``training.demo.assets``."""

from __future__ import annotations

from pathlib import Path

from training.checkpoints.checkpoint import FILE_NAME as CHECKPOINT
from training.demo.assets import assets_dir

DEMO_CORPUS = ("demo", "corpus.txt")
# A user guide shipped under assets/, the first of these that is there. None is shipped yet;
# Help ▸ User Guide then shows the README beside assets/ (the source tree's, or a bundle's
# that ships one), and failing that a few key points.
GUIDES = (("guide", "index.html"), ("user-guide.html",), ("user-guide.md",))
README = "README.md"


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
    """The user guide to show: one shipped under assets/, else the README beside assets/."""
    for parts in GUIDES:
        path = asset_path(*parts)
        if path.is_file():
            return path
    readme = assets_dir().parent / README
    return readme if readme.is_file() else None
