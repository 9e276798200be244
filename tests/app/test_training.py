from __future__ import annotations

from PySide6.QtCore import Qt

from app.event_batching import StepBatch
from app.main_window import MainWindow
from tests.app.conftest import load_corpus
from training.common.events import FinishedEvent


def _steps(training):
    """Wait for a batch of steps among the run's events."""
    return {"signal": training.event, "check_params_cb": lambda event: isinstance(event, StepBatch)}


def _start(qtbot, window, *, steps: int) -> None:
    window.dashboard.options.set_tiny(steps=steps)
    qtbot.mouseClick(window.dashboard.start_button, Qt.MouseButton.LeftButton)


def test_training_through_the_buttons_reports_progress_and_loads_the_result(qtbot, window, tiny):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    dash = window.dashboard
    with qtbot.waitSignal(window.training.finished, timeout=60_000) as finished:
        _start(qtbot, window, steps=20)
    results = finished.args[0]
    assert {r.model for r in results} == {"lstm", "rnn"}
    assert all(r.reason == "completed" and r.steps == 20 for r in results)
    assert dash.steps_received == 40  # every step of both models reached the GUI, batched
    assert dash.plots.points("lstm", "train") == 20 and dash.plots.points("rnn", "grad") == 20
    assert dash.plots.points("lstm", "val") >= 1  # the final evaluation is drawn
    assert dash.progress.value() == 1000
    assert "Clipped steps" in dash.clip_label.text()
    qtbot.waitUntil(lambda: window.training.state == "idle")
    # The new models replace the old ones: the trained run is what generates now.
    assert window.models.main is not None and str(window.models.main.path) == results[0].checkpoint
    assert window.models.rnn is not None and window.models.rnn.path.parent.name == "rnn"


def test_pause_resume_stop(qtbot, window, tiny):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    dash = window.dashboard
    with qtbot.waitSignal(**_steps(window.training), timeout=30_000):
        _start(qtbot, window, steps=100_000)
    qtbot.mouseClick(dash.pause_button, Qt.MouseButton.LeftButton)
    assert window.training.state == "paused" and dash.resume_button.isEnabled()
    qtbot.wait(200)  # steps queued before the pause arrive now and must not hide the paused state
    assert dash.progress.format().startswith("paused") and "Paused" in dash.speed_label.text()
    qtbot.mouseClick(dash.resume_button, Qt.MouseButton.LeftButton)
    assert window.training.state == "running"
    with qtbot.waitSignal(window.training.finished, timeout=60_000) as finished:
        qtbot.mouseClick(dash.stop_button, Qt.MouseButton.LeftButton)
    assert all(r.reason == "cancelled" for r in finished.args[0])
    results = finished.args[0]
    assert all(r.steps < 100_000 for r in results)  # stopped mid-way
    # The LSTM had stepped before the pause; the RNN, stepping in turn with it, may not have
    # yet on a busy machine (the stop comes right after the resume).
    assert [r.model for r in results] == ["lstm", "rnn"] and results[0].steps > 0
    assert dash.plots.loss_plot.vb.x_reach is None  # stopped: the step axis fits its curves


def test_closing_mid_training_stops_the_thread_and_resumes_after_reopening(qtbot, tmp_path, tiny, dialogs):
    data = tmp_path / "data"
    first = MainWindow(data_dir=data, load_defaults=False)
    qtbot.addWidget(first)
    load_corpus(qtbot, first, [str(tiny.corpus)])
    with qtbot.waitSignal(**_steps(first.training), timeout=30_000):
        _start(qtbot, first, steps=100_000)
    thread = first.training.job.worker_thread
    first.close()  # closeEvent: cancel, quit, wait
    assert not first.training.running
    assert thread.isFinished()
    run_dir = first.dashboard.last_run()
    assert run_dir is not None and (run_dir / "checkpoint.safetensors").is_file()

    second = MainWindow(data_dir=data, load_defaults=False)  # the app reopened
    qtbot.addWidget(second)
    assert second.dashboard.resume_button.isEnabled()
    with qtbot.waitSignal(**_steps(second.training), timeout=30_000) as first_steps:
        qtbot.mouseClick(second.dashboard.resume_button, Qt.MouseButton.LeftButton)
    assert first_steps.args[0].events[0].step > 1  # continued from the checkpoint, not from step 1
    assert second.training.spec.resume and second.training.spec.out_dir == run_dir
    second.close()
    assert not second.training.running
    assert dialogs and {title for title, _ in dialogs} == {"Quit now?"}  # asked, nothing else


def test_one_click_trains_the_missing_rnn(qtbot, window, tiny):
    window.models.clear_rnn()
    contrast = window.contrast
    assert not contrast.train_button.isHidden()
    load_corpus(qtbot, window, [str(tiny.corpus)])
    window.dashboard.options.set_tiny(steps=10)
    with qtbot.waitSignal(window.training.finished, timeout=60_000) as finished:
        qtbot.mouseClick(contrast.train_button, Qt.MouseButton.LeftButton)
    assert [r.model for r in finished.args[0]] == ["rnn"]
    qtbot.waitUntil(lambda: window.models.rnn is not None)
    assert window.models.rnn.cell == "rnn"
    assert window.models.rnn.model.config.hidden == window.models.main.model.config.hidden
    assert contrast.train_button.isHidden()


def test_quitting_just_after_a_run_has_finished_asks_nothing(qtbot, window, tiny, dialogs):
    """The thread still saves and ends after the results arrive: no "Quit now?"."""
    load_corpus(qtbot, window, [str(tiny.corpus)])
    seen: list[tuple[bool, bool]] = []  # (thread still going, window closed) at Ctrl+Q

    def quit_at_once(_results: list) -> None:
        running = window.training.running
        window.actions_by_name["quit"].trigger()
        seen.append((running, not window.isVisible()))

    window.training.finished.connect(quit_at_once)
    with qtbot.waitSignal(window.training.finished, timeout=60_000):
        _start(qtbot, window, steps=5)
    assert seen == [(True, True)]  # quit while the thread was still going, and it closed
    assert "Quit now?" not in [title for title, _ in dialogs]
    assert not window.training.running


def test_the_run_counts_as_training_until_its_first_result(qtbot, window, tiny):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    training = window.training
    states: list[bool] = []
    training.event.connect(
        lambda event: states.append(training.training_now) if isinstance(event, FinishedEvent) else None
    )
    with qtbot.waitSignal(**_steps(training), timeout=30_000):
        _start(qtbot, window, steps=100_000)
    assert training.training_now  # steps arrive: quitting would stop it
    with qtbot.waitSignal(training.finished, timeout=60_000):
        training.stop()
    assert states and not any(states)  # from its first FinishedEvent on, no longer training
    assert not training.training_now


def test_the_runs_list_is_read_once_when_a_run_ends(qtbot, window, tiny, monkeypatch):
    """Its results refresh the Runs tab; the thread's end a moment later does not again (a
    second scan of every run folder, while a corpus count may be holding the GIL). While it
    trains, its first save lists it and later saves read its row alone."""
    load_corpus(qtbot, window, [str(tiny.corpus)])
    refreshed: list[str] = []
    real = window.runs.refresh
    monkeypatch.setattr(window.runs, "refresh", lambda: (refreshed.append(window.training.state), real())[1])
    at_results: list[int] = []
    window.training.finished.connect(lambda _results: at_results.append(len(refreshed)))
    with qtbot.waitSignal(window.training.idle, timeout=60_000):
        _start(qtbot, window, steps=5)
    assert window.runs.records  # by the results, the new run listed
    assert at_results and len(refreshed) == at_results[0] <= 2  # its first save, its results; not its end
    count = len(refreshed)
    window.training.results = None  # a run that failed: no results refreshed it
    window._training_state("idle")
    assert len(refreshed) == count + 1
