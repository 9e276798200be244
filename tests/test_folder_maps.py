"""Each package's ``__init__`` docstring names its modules, one line each: the map lives
beside the code, and this test keeps it from drifting from the tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAPPED = ("training", "lstm_core", "app")  # every package below these carries a map
ENTRY = re.compile(r"^- (\w+)(\.py|/): \S", re.M)


def packages() -> list[Path]:
    found: list[Path] = []
    for top in MAPPED:
        found += sorted(p.parent for p in (ROOT / top).rglob("__init__.py"))
    return found


def listed(package: Path) -> set[str]:
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    return {name + kind for name, kind in ENTRY.findall(docstring)}


def on_disk(package: Path) -> set[str]:
    modules = {p.name for p in package.glob("*.py") if p.name != "__init__.py"}
    folders = {p.name + "/" for p in package.iterdir() if (p / "__init__.py").is_file()}
    return modules | folders


def test_every_mapped_package_is_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in packages()}
    assert {"training", "training/data", "training/loop", "lstm_core/measure", "app/panels"} <= names


@pytest.mark.parametrize("package", packages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_map_names_each_module_once(package: Path) -> None:
    assert listed(package) == on_disk(package)


def test_a_missing_module_is_seen(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text('"""Two modules.\n\n- one.py: the first\n"""\n')
    (tmp_path / "one.py").write_text("")
    (tmp_path / "two.py").write_text("")
    assert listed(tmp_path) != on_disk(tmp_path)
