"""File ▸ Recent Models once the window is relaunched, and where Save Model As opens."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app.engine_loader import load_engine
from app.main_window import MainWindow
from app.settings import Settings


def _relaunched(qtbot, data: Path, models: list[Path], **kwargs: object) -> MainWindow:
    """A window opened on a data folder whose settings already list ``models``."""
    data.mkdir(parents=True, exist_ok=True)
    settings = Settings(data)
    for model in reversed(models):
        settings.add_recent_model(str(model))
    settings.sync()
    window = MainWindow(data_dir=data, load_defaults=False, **kwargs)
    qtbot.addWidget(window)
    return window


def test_recent_models_are_enabled_after_a_relaunch_and_after_save_as(qtbot, tmp_path, tiny, dialogs):
    models = [tmp_path / f"run-{n}" / "checkpoint.safetensors" for n in range(3)] + [tiny.lstm]
    window = _relaunched(qtbot, tmp_path / "data", models)
    menu = window.recent_models_menu
    assert len(menu.actions()) == 4
    assert menu.menuAction().isEnabled()
    assert window.open_model(tiny.lstm)
    assert window.save_model_as(tmp_path / "saved") is not None
    assert len(menu.actions()) == 5 and menu.menuAction().isEnabled()
    window.close()


def test_recent_models_are_enabled_once_a_background_loaded_engine_is_ready(qtbot, tmp_path, tiny, dialogs):
    window = _relaunched(qtbot, tmp_path / "data", [tiny.lstm], engine_loader=load_engine)
    assert not window.recent_models_menu.menuAction().isEnabled()  # opening one needs the engine
    window.show()
    qtbot.waitUntil(lambda: window.ready, timeout=60_000)
    assert window.recent_models_menu.menuAction().isEnabled()
    window.close()


def _save_dialog_path(window: MainWindow, monkeypatch) -> Path:
    """The path Save Model As's dialog opens with; the dialog is cancelled."""
    opened: list[str] = []

    def dialog(_parent, _caption, path, *_a, **_k):
        opened.append(path)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    assert window.save_model_as() is None
    return Path(opened[-1])


def test_save_as_opens_beside_the_run_folder_not_inside_it(window, tiny, tmp_path, monkeypatch):
    for holder in (window.data_dir / "runs", tmp_path / "elsewhere"):
        run = holder / "my-run"
        shutil.copytree(tiny.lstm.parent, run)
        assert window.open_model(run)
        path = _save_dialog_path(window, monkeypatch)
        assert path.parent == holder  # the folder that holds the run folder
        assert not path.exists()  # an existing folder's name would open the dialog inside it
        assert path.name.startswith("my-run")


def test_save_as_opens_where_the_last_save_went(window, tiny, tmp_path, monkeypatch):
    run = window.data_dir / "runs" / "my-run"
    shutil.copytree(tiny.lstm.parent, run)
    assert window.open_model(run)
    assert window.save_model_as(tmp_path / "keep" / "mine") is not None
    assert window.open_model(run)
    path = _save_dialog_path(window, monkeypatch)
    assert path.parent == tmp_path / "keep" and not path.exists()
