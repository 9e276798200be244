"""Which packages and files the wheel and the sdist carry; every other field is in pyproject.toml.

This is code for the one thing pyproject.toml cannot say: the source tree's ``assets/`` (the
demo corpus and its two models) is installed inside the ``training`` package, as
``training/assets/``, where ``training.demo.assets`` finds it; ``docs/`` goes beside it, as
``training/docs/``, where Help ▸ User Guide finds the pages (``app.resources.user_guide``).
pyproject.toml's package finder only lists folders that exist, and the source tree keeps
``assets/`` and ``docs/`` at its root, where the window, ``make demo-assets``, MkDocs and the
PyInstaller bundle (build.spec) expect them.
"""

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).resolve().parent
CODE = [f"{name}{sub}" for name in ("app", "lstm_core", "training", "lstm_studio") for sub in ("", ".*")]
ASSETS = "training.assets"  # data only, no module: training.demo.assets.INSTALLED_NAME
DOCS = "training.docs"  # data only: the user guide's pages and pictures, beside the assets


def asset_folders() -> list[str]:
    """``assets/`` and each folder in it, as the package names setuptools installs them by
    (a folder left unnamed is left out, with a warning that it looks importable)."""
    folders = [ROOT / "assets", *sorted(p for p in (ROOT / "assets").rglob("*") if p.is_dir())]
    names = [".".join((ASSETS, *p.relative_to(ROOT / "assets").parts)) for p in folders]
    return [name for name in names if "__pycache__" not in name]


setup(
    packages=[*find_packages(include=CODE), *asset_folders(), DOCS],
    package_dir={ASSETS: "assets", DOCS: "docs"},
    package_data={"": ["py.typed"], DOCS: ["*.md", "*.png"], **{name: ["*"] for name in asset_folders()}},
)
