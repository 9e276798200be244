"""Deleting runs from the Runs tab: what Resume and the delete question then say; and the
sampling settings greyed while beam search is chosen."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from app.panels import runs_panel
from app.panels.training_panel import LAST_RUN_KEY
from tests.training.checkpoints.test_run_history import resave
from training.checkpoints.run_meta import Progress


def _delete_from_runs_tab(window, folder: Path, monkeypatch) -> list[str]:
    """Select ``folder`` in the Runs tab and delete it, answering Yes; the questions asked."""
    asked: list[str] = []

    def question(_parent, _title, text, *_a):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(runs_panel, "move_to_trash", lambda f: shutil.rmtree(f) is None)
    window.runs.refresh()
    window.runs.select_folders([folder])
    assert window.runs.delete_selected() == 1
    return asked


def test_resume_of_a_deleted_run_says_its_folder_is_gone(window, tiny, dialogs, monkeypatch):
    run = window.data_dir / "runs" / "paused-run"
    resave(tiny.lstm, run, progress=Progress(step=7, done=False))
    window.settings.set_str(LAST_RUN_KEY, str(run))
    window.dashboard.set_corpus(())
    assert window.dashboard.resume_button.isEnabled()
    _delete_from_runs_tab(window, run, monkeypatch)
    window.dashboard.resume_button.click()
    said = [text for _title, text in dialogs] + [window.statusBar().currentMessage()]
    assert any("paused-run" in text and "gone" in text for text in said), said
    assert not window.training.running
    assert not window.dashboard.resume_button.isEnabled()  # nothing left to resume


def test_deleting_the_loaded_run_says_it_stays_loaded(window, tiny, monkeypatch):
    run = window.data_dir / "runs" / "loaded-run"
    shutil.copytree(tiny.lstm.parent, run)
    other = window.data_dir / "runs" / "other-run"
    shutil.copytree(tiny.lstm.parent, other)
    assert window.open_model(run)
    asked = _delete_from_runs_tab(window, other, monkeypatch)
    assert "now loaded" not in asked[0]  # not the loaded one: nothing to say
    asked = _delete_from_runs_tab(window, run, monkeypatch)
    assert "loaded-run is the model now loaded" in asked[0]
    assert "stays loaded until you open another" in asked[0]
    assert window.models.main is not None and window.models.main.path.parent == run


def test_beam_search_greys_the_sampling_settings(window):
    gen = window.generation
    sampling = (gen.temperature, gen.top_k, gen.top_p, gen.seed, gen.decoding.min_p)
    assert gen.decoding.beam_width.value() == 1 and gen.decoding.beam_width.text() == "off"
    assert all(w.isEnabled() for w in sampling)
    gen.decoding.beam_width.setValue(2)
    assert not any(w.isEnabled() for w in sampling)
    assert gen.decoding.beam_settings(50) is not None
    gen.decoding.beam_width.setValue(1)
    assert all(w.isEnabled() for w in sampling)
    assert gen.decoding.beam_width.text() == "off" and gen.decoding.beam_settings(50) is None
