"""The engine (lstm_core, training) must run where Qt is not installed."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import lstm_core
import training

ENGINE_PACKAGES = (lstm_core, training)


def engine_modules() -> list[str]:
    """Every module of the engine packages, found by walking them, so none is left unchecked."""
    names = []
    for package in ENGINE_PACKAGES:
        names.append(package.__name__)
        for info in pkgutil.walk_packages([str(Path(package.__file__).parent)], f"{package.__name__}."):
            names.append(info.name)
    return names


def test_the_walk_finds_the_modules_it_must() -> None:
    found = set(engine_modules())
    assert {
        "lstm_core.model",
        "lstm_core.measure.probe",
        "training.cli.train",
        "training.cli.train_args",
        "training.loop.trainer",
    } <= found
    assert len(found) >= 40


def test_engine_imports_without_qt() -> None:
    modules = engine_modules()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'pyqtgraph', 'shiboken'))]\n"
        "assert not bad, bad\n"
        "print('clean', len(" + repr(modules) + "))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"clean {len(modules)}"
