"""The training dashboard: controls in view, every finish reason and warning shown,
divergence reported, resume errors caught and live-curve options passed."""

from __future__ import annotations

from pathlib import Path

from app.event_batching import StepBatch
from app.main_window import MainWindow
from app.panels.training_panel import LAST_RUN_KEY
from training.common.events import FinishedEvent, NoteEvent, StepEvent, WarningEvent


def _finished(model: str, reason: str, checkpoint: Path, steps: int = 12) -> FinishedEvent:
    return FinishedEvent(
        model=model,
        reason=reason,
        steps=steps,
        seconds=3.0,
        tokens_per_s=100.0,
        val_loss=2.0,
        bits_per_char=2.9,
        checkpoint=str(checkpoint),
    )


def test_controls_and_progress_are_visible_at_the_default_size(qtbot, tmp_path, dialogs):
    win = MainWindow(data_dir=tmp_path / "data", load_defaults=False)  # no saved geometry: defaults
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    dash = win.dashboard
    for widget in (dash.start_button, dash.stop_button, dash.progress, dash.speed_label, dash.status_label):
        assert not widget.visibleRegion().isEmpty(), widget
    assert dash.options.advanced.isHidden()  # Advanced starts collapsed
    dash.options.expander.click()
    assert not dash.options.advanced.isHidden()
    win.close()


def test_divergence_is_reported_and_the_diverged_rnn_not_loaded(qtbot, window, tiny, dialogs):
    dash = window.dashboard
    assert window.models.rnn is not None
    message = "training diverged at step 13 (loss 1e+09, gradient norm 1e+12); rolled back"
    window.training.event.emit(WarningEvent(model="rnn", message=message))
    window.training.finished.emit(
        [_finished("lstm", "completed", tiny.lstm), _finished("rnn", "diverged", tiny.rnn)]
    )
    assert message in dash.warning_label.text() and dash.warning_label.isVisible()
    assert "LSTM finished" in dash.progress.format() and "RNN diverged" in dash.progress.format()
    qtbot.waitUntil(lambda: bool(dialogs))
    assert dialogs[0][0] == "Run diverged" and message in dialogs[0][1]
    assert window.models.main is not None and window.models.main.path == tiny.lstm
    assert window.models.rnn is None  # neither the diverged RNN nor the old model's RNN


def test_resume_of_a_damaged_run_gives_a_dialog_and_is_disabled(qtbot, window, tmp_path, dialogs):
    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.safetensors").write_bytes(b"damaged")
    window.settings.set_str(LAST_RUN_KEY, str(run))
    window.training.state_changed.emit("idle")
    assert not window.dashboard.resume_button.isEnabled()
    assert not window.actions_by_name["resume"].isEnabled()
    window.dashboard.resume()  # F7 pressed before the state refreshed: a dialog, not an exception
    assert dialogs and dialogs[0][0] == "Cannot resume" and "corrupt" in dialogs[0][1]
    assert not window.training.running


def test_runs_ask_for_early_curves_and_samples(window):
    options = window.dashboard.options
    assert options.train_options() == {"sample_every_s": 8.0, "eval_every_s": 5.0}
    options.set_tiny()
    tiny = options.train_options()
    assert tiny["sample_every_s"] == 8.0 and tiny["eval_every_s"] == 5.0 and tiny["steps"] == 20
    assert options.preset.itemText(0) == "Quick — about 1.5 minutes per model"


def _steps(model: str, *steps: int) -> StepBatch:
    return StepBatch(
        tuple(StepEvent(model, s, 3000, 2.0, 1e-3, 0.5, False, 9800.0, 10.0, 30.0, s / 3000) for s in steps)
    )


def test_a_stopped_run_shows_the_steps_it_ended_at(qtbot, window, tiny, dialogs):
    """Steps trained while the run stops arrive after Stop; the line must end where the run did."""
    dash, training = window.dashboard, window.training
    training.state = "running"  # as if a run were going: the events below are what it sends
    for batch in (_steps("lstm", 429, 430), _steps("rnn", 428, 429)):
        training.event.emit(batch)
    assert "LSTM step 430 / 3,000" in dash.speed_label.text()
    training.state = "stopping"
    training.event.emit(_steps("lstm", *range(431, 492)))  # the readout's last steps, after Stop
    training.event.emit(_steps("rnn", *range(430, 492)))
    try:
        training.finished.emit(
            [
                _finished("lstm", "cancelled", tiny.lstm, steps=491),
                _finished("rnn", "cancelled", tiny.rnn, steps=491),
            ]
        )
    finally:
        training.state = "idle"
    lines = dash.speed_label.text().splitlines()
    assert lines == ["LSTM step 491 / 3,000 · 100 tok/s", "RNN step 491 / 3,000 · 100 tok/s"]
    assert "LSTM stopped after 491 steps" in dash.status_label.text()  # the same count in both places


def test_a_note_joins_the_status_without_replacing_it_or_looking_like_a_warning(window):
    dash = window.dashboard
    dash.status_label.setText("Training into /somewhere")
    note = "Quick on this machine: 1×256 LSTM, batch 32, sequence 64, Muon + AdamW lr 0.01"
    window.training.event.emit(NoteEvent(model="run", message=note))
    assert dash.status_label.text() == f"Training into /somewhere\n{note}"
    assert not dash.warning_label.isVisible() and note not in dash.warning_label.text()
