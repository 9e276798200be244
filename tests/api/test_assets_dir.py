"""``training.demo.assets`` finds the shipped assets from a frozen bundle, an installed wheel
and a source tree, in that order."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from training.demo import assets


def test_a_source_tree_reads_its_own_assets() -> None:
    assert not assets.installed_assets().exists()  # no wheel lays files inside the source tree
    assert assets.assets_dir() == assets.source_assets()
    assert (assets.demo_dir() / "lstm" / "checkpoint.safetensors").is_file()


def test_an_installed_package_reads_the_assets_inside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "site-packages" / "training" / assets.INSTALLED_NAME
    installed.mkdir(parents=True)
    monkeypatch.setattr(assets, "installed_assets", lambda: installed)
    assert assets.assets_dir() == installed


def test_a_frozen_bundle_reads_the_folder_it_unpacked_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert assets.demo_dir() == tmp_path / "assets" / "demo"


def test_the_wheel_maps_assets_where_they_are_looked_for() -> None:
    setup = (Path(__file__).resolve().parents[2] / "setup.py").read_text(encoding="utf-8")
    assert f'ASSETS = "training.{assets.INSTALLED_NAME}"' in setup
