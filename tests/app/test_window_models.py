"""Which models the window trains, saves and loads: the RNN's corpus, Save As a run
folder, and no loading once the window has closed."""

from __future__ import annotations

from dataclasses import replace

from app import model_store
from app.event_batching import StepBatch
from tests.app.conftest import load_corpus


def test_one_click_rnn_prefers_the_lstm_corpus(qtbot, window, tiny, tmp_path, monkeypatch):
    other = tmp_path / "other.txt"
    other.write_text("a different corpus " * 200, encoding="utf-8")
    load_corpus(qtbot, window, [str(other)])
    calls: list[tuple] = []
    monkeypatch.setattr(window.dashboard, "train_rnn_for", lambda *args: calls.append(args))
    window.train_rnn()
    assert [str(p) for p in calls[-1][1]] == [str(tiny.corpus)]

    # The LSTM's own files are gone: the open corpus is used, and the status bar says so.
    main = window.models.main
    meta = main.meta.updated(corpus=replace(main.meta.corpus, files=(str(tmp_path / "gone.txt"),)))
    window.models.main = replace(main, meta=meta)
    window.train_rnn()
    assert [str(p) for p in calls[-1][1]] == [str(other)]
    assert "open corpus" in window.statusBar().currentMessage()


def test_save_as_writes_a_run_folder_with_its_rnn(window, tmp_path):
    folder = tmp_path / "saved"
    target = window.save_model_as(folder)
    assert target == folder / "checkpoint.safetensors" and target.is_file()
    assert (folder / "rnn" / "checkpoint.safetensors").is_file()
    assert model_store.companion_rnn_path(folder) == folder / "rnn" / "checkpoint.safetensors"
    window.models.clear_rnn()
    assert window.open_model(folder)
    assert window.models.main.path == target and window.models.rnn is not None


def test_a_cancelled_run_does_not_load_into_a_closed_window(qtbot, window, tiny):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    window.dashboard.options.set_tiny(steps=100_000)
    with qtbot.waitSignal(
        window.training.event, timeout=30_000, check_params_cb=lambda e: isinstance(e, StepBatch)
    ):
        window.dashboard.start()
    before = window.models.main
    window.close()
    qtbot.wait(300)  # the run's queued finished arrives now
    assert window.models.main is before


def test_loading_a_model_leaves_the_chosen_level_alone(window, tiny):
    window.corpus.level.setCurrentText("word")
    assert window.open_model(tiny.lstm)  # a character-level model
    assert window.models.main is not None and window.models.main.tokenizer.level == "char"
    assert window.corpus.level.currentText() == "word"
    assert window.dashboard.options.level.currentText() == "word"  # the next run's level
