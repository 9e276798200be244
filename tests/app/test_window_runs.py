"""A person's models are never lost, replaced or mixed up: finished runs are offered, a model's
RNN is its own, questions before losing work, and the window's answers to engine trouble."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app import model_store
from app.launch import parse_args
from app.menus import shortcuts_text
from app.panels.training_panel import LAST_RUN_KEY
from app.window_defaults import recent_model_labels
from tests.training.checkpoints.test_run_history import resave
from training.checkpoints.checkpoint import CheckpointError
from training.checkpoints.run_meta import Metrics, Progress
from training.common.events import FinishedEvent, SaveFailedEvent
from training.demo.tiny import train_tiny_models


def finished(checkpoint: Path, *, model: str = "lstm", reason: str = "completed") -> FinishedEvent:
    return FinishedEvent(
        model=model,
        reason=reason,
        steps=20,
        seconds=2.0,
        tokens_per_s=100.0,
        val_loss=2.0,
        bits_per_char=2.9,
        checkpoint=str(checkpoint),
    )


class Answers(list):
    """Every dialog as (title, text); questions whose title is in ``yes`` answer Yes, others No."""

    def __init__(self) -> None:
        super().__init__()
        self.yes: set[str] = set()


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    seen = Answers()
    yes = seen.yes

    def question(_parent: object, title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
        seen.append((title, text))
        return QMessageBox.StandardButton.Yes if title in yes else QMessageBox.StandardButton.No

    def note(_parent: object, title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
        seen.append((title, text))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    for name in ("warning", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(note))
    return seen


def worse_copy(tiny, tmp_path: Path, name: str, *, rnn: bool) -> Path:
    """A run folder whose model validates worse than the loaded one (and, with rnn, its own RNN)."""
    loaded = model_store.load(tiny.lstm)
    folder = tmp_path / "runs" / name
    resave(tiny.lstm, folder, metrics=Metrics(val_loss=loaded.val_loss + 0.4, bits_per_char=3.0))
    if rnn:
        shutil.copytree(tiny.rnn.parent, folder / "rnn")
    return folder / "checkpoint.safetensors"


def test_a_worse_finished_run_is_offered_not_forced_and_start_asks(window, tiny, tmp_path, answers):
    before = window.models.main
    new = worse_copy(tiny, tmp_path, "short-run", rnn=True)
    window.training.finished.emit([finished(new), finished(new.parent / "rnn" / new.name, model="rnn")])
    title, text = answers[0]
    assert title == "Load new model?" and "short-run" in text
    assert f"{before.val_loss:.3f}" in text and "worse" in text
    assert window.models.main is before and window.unsaved_result == new.parent
    # F5 now asks before starting over the result nobody loaded or saved.
    window.dashboard.corpus_paths = (str(tiny.corpus),)
    window.actions_by_name["train"].trigger()
    assert answers[-1][0] == "Start a new run?" and not window.training.running


def test_accepted_run_loads_with_its_own_rnn_or_none(window, tiny, tmp_path, answers):
    answers.yes.add("Load new model?")
    new = worse_copy(tiny, tmp_path, "lstm-only", rnn=False)
    assert window.models.rnn is not None  # the old model's RNN
    window.training.finished.emit([finished(new)])
    assert window.models.main.path == new and window.models.rnn is None
    label = window.model_label.text()
    assert "run lstm-only" in label and "no RNN" in label
    saved = window.save_model_as(tmp_path / "kept")
    assert saved is not None and not (tmp_path / "kept" / "rnn").exists()  # no old RNN copied in
    assert "No RNN was trained with this model" in window.contrast.columns["rnn"].metrics.text()


def test_a_diverged_or_worse_than_chance_run_is_never_loaded_silently(window, tiny, tmp_path, answers):
    before = window.models.main
    window.training.finished.emit([finished(tiny.lstm, reason="diverged")])
    chance = tmp_path / "chance"
    resave(tiny.lstm, chance, metrics=Metrics(val_loss=50.0))
    window.training.finished.emit([finished(chance / "checkpoint.safetensors")])
    titles = [t for t, _ in answers]
    assert titles.count("Not loaded") == 2 and "Load new model?" not in titles
    assert "no better than guessing uniformly" in answers[-1][1]
    assert window.models.main is before


def test_quitting_mid_run_asks_and_no_keeps_the_window(window, answers, monkeypatch):
    monkeypatch.setattr(type(window.training), "running", property(lambda _self: True))
    assert not window.close() and window.isVisible()
    assert answers[-1][0] == "Quit now?" and "resum" in answers[-1][1].lower()
    monkeypatch.undo()


def test_resume_names_the_run_its_step_and_corpus_and_redraws_its_history(window, tiny, tmp_path):
    run = tmp_path / "runs" / "paused-run"
    resave(tiny.lstm, run, progress=Progress(step=7, done=False))
    window.settings.set_str(LAST_RUN_KEY, str(run))
    window.dashboard.set_corpus(())
    text = window.dashboard.status_label.text()
    assert "paused-run" in text and "step 7" in text and "corpus.txt" in text
    assert window.dashboard.resume_button.isEnabled()
    plots = window.dashboard.plots
    assert plots.add_history(run) == len(model_store.load(run).meta.metrics.history) > 0
    assert plots.points("lstm", "val") > 0


def test_a_failed_save_is_shown_once_and_offers_save_as(window, answers, monkeypatch):
    calls: list[object] = []
    monkeypatch.setattr(window, "save_model_as", lambda target=None: calls.append(target))
    answers.yes.add("Save failed")
    event = SaveFailedEvent(model="lstm", step=5, folder="/full", message="/full: no space left on device")
    window.training.event.emit(event)
    window.training.event.emit(event)
    assert [t for t, _ in answers] == ["Save failed"] and calls == [None]
    assert "no space left" in window.dashboard.warning_label.text()


def test_an_unreadable_checkpoint_offers_its_older_fallback(window, tiny, tmp_path, answers, monkeypatch):
    bad = tmp_path / "bad" / "checkpoint.safetensors"
    real_load = model_store.load

    def load(path):
        if Path(path) == bad:
            raise CheckpointError(f"{bad}: truncated", fallback=tiny.lstm)
        return real_load(path)

    monkeypatch.setattr(model_store, "load", load)
    window.models.main = None
    answers.yes.add("Older checkpoint")
    assert window.open_model(bad)
    assert str(tiny.lstm) in answers[0][1] and window.models.main.path == tiny.lstm


def test_save_as_takes_a_new_folder_name(window, tmp_path, monkeypatch):
    target = tmp_path / "brand" / "new-name"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    assert window.save_model_as() == target / "checkpoint.safetensors"
    assert (target / "rnn" / "checkpoint.safetensors").is_file()


def test_menus_labels_and_version(window, capsys):
    labels = recent_model_labels(["/a/x/rnn/checkpoint.safetensors", "/b/x/rnn/checkpoint.safetensors"])
    assert labels[0] != labels[1] and all(label.endswith("(RNN)") for label in labels)
    assert recent_model_labels(["/r/shakespeare/checkpoint.safetensors"]) == ["shakespeare"]
    text = shortcuts_text(window.actions_by_name)
    assert "Start Training" in text and "F5" in text and "F1" in text
    assert not window.actions_by_name["stop"].isEnabled()  # nothing generates yet
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--version"])
    assert exit_info.value.code == 0 and "lstm-studio" in capsys.readouterr().out


def test_the_data_folder_names_the_app_once(monkeypatch, tmp_path):
    from PySide6.QtCore import QStandardPaths

    from app.settings import user_data_dir

    monkeypatch.setattr(QStandardPaths, "writableLocation", staticmethod(lambda _loc: str(tmp_path)))
    old = tmp_path / "LSTM Studio" / "LSTM Studio"
    (old / "runs" / "a").mkdir(parents=True)
    path = user_data_dir()
    assert path == tmp_path / "LSTM Studio" and path.name not in path.parent.parts[-1:]
    assert (path / "runs" / "a").is_dir() and not old.exists()  # an older version's data moved up


def test_a_failed_save_mid_run_moves_the_run_to_the_folder_chosen(window, answers, monkeypatch, tmp_path):
    from app import model_files
    from app.controller import TrainingController

    moved: list[object] = []
    record = lambda self, folder: moved.append(folder) or True  # noqa: E731
    monkeypatch.setattr(model_files, "ask_save_folder", lambda _window: tmp_path / "roomy")
    answers.yes.add("Save failed")
    with monkeypatch.context() as running:
        running.setattr(TrainingController, "running", property(lambda self: True))
        running.setattr(TrainingController, "save_elsewhere", record)
        window.training.event.emit(
            SaveFailedEvent(model="lstm", step=5, folder="/full", message="no space left")
        )
    assert moved == [tmp_path / "roomy"]
    assert "roomy" in window.statusBar().currentMessage()


def test_a_finished_run_is_offered_even_over_the_demo(window, tiny, tmp_path, monkeypatch):
    from app import resources, run_results
    from training.common.events import FinishedEvent

    # The loaded model counts as the shipped demo: it lives in the assets folder.
    monkeypatch.setattr(resources, "assets_dir", lambda: tiny.lstm.parent.parent)
    demo = window.models.main
    assert demo is not None and demo.is_demo
    new_run = tmp_path / "mine"
    train_tiny_models(tiny.corpus, new_run, steps=20)
    asked: list[str] = []

    def decline(_parent, _title, question, *, default_yes):
        asked.append(question)
        return False

    monkeypatch.setattr(run_results, "ask", decline)
    finished = FinishedEvent(
        model="lstm",
        reason="stopped",
        steps=5,
        seconds=1.0,
        tokens_per_s=1.0,
        val_loss=3.0,
        bits_per_char=4.0,
        checkpoint=str(new_run / "checkpoint.safetensors"),
    )
    run_results.handle_finished(window, [finished])
    assert asked and "Load the model of mine?" in asked[0]
    assert window.models.main is demo  # declined: the demo stays
