"""The one background helper: results, events and failures on the GUI thread, explicit shutdown,
and a thread that outlives its shutdown wait is never deleted while it runs."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from app import generation_runner
from app.background import Background
from app.generation_runner import GenerationRunner
from lstm_core.sampling import SamplingSettings


def test_a_thread_that_outlives_the_wait_is_kept_until_it_ends(qtbot, monkeypatch):
    gate = threading.Event()

    def blocked(*_args: object, **_kwargs: object):
        gate.wait(10)  # a model step that cannot be interrupted
        yield from ()

    monkeypatch.setattr(generation_runner, "generate_tokens", blocked)
    runner = GenerationRunner()
    runner.start(None, None, "", SamplingSettings())  # type: ignore[arg-type]
    job = runner.job
    thread = job.worker_thread
    assert not runner.shutdown(timeout_ms=50)
    assert runner.running and runner.job is job and thread.isRunning()
    qtbot.wait(50)  # a deleteLater posted now would destroy a running QThread
    gate.set()
    qtbot.waitUntil(lambda: not runner.running, timeout=5_000)


def test_work_runs_off_the_gui_thread_and_delivers_on_it(qtbot):
    background = Background()
    gui = QThread.currentThread()
    seen: dict[str, object] = {}

    def work(report):
        seen["on the gui thread"] = QThread.currentThread() is gui
        report("halfway")
        return 42

    events: list[tuple[object, bool]] = []
    with qtbot.waitSignal(background.idle, timeout=5_000):
        background.run(
            work,
            on_done=lambda value: seen.update(done=(value, QThread.currentThread() is gui)),
            on_error=lambda message: seen.update(error=message),
            on_event=lambda event: events.append((event, QThread.currentThread() is gui)),
        )
    assert seen["on the gui thread"] is False
    assert events == [("halfway", True)]
    assert seen["done"] == (42, True) and "error" not in seen
    assert not background.running


def test_shutdown_sets_the_stop_flag_quits_and_waits(qtbot):
    background = Background()
    stop = threading.Event()
    job = background.run(
        lambda _report: stop.wait(30), on_done=lambda _v: None, on_error=lambda _m: None, on_stop=stop.set
    )
    assert background.shutdown(timeout_ms=5_000)
    assert stop.is_set() and job.worker_thread.isFinished()
    assert not background.running


def _quit_stops_a_job_on(window) -> None:
    """Start a job that runs until stopped, quit the application: it must have ended."""
    from PySide6.QtWidgets import QApplication

    stop = threading.Event()
    job = window.tasks.run(
        lambda _report: stop.wait(30), on_done=lambda _v: None, on_error=lambda _m: None, on_stop=stop.set
    )
    QApplication.instance().aboutToQuit.emit()
    assert stop.is_set() and job.worker_thread.isFinished()
    assert not window.tasks.running


def test_quitting_the_application_stops_every_background_job(qtbot, window):
    # QApplication.quit() does not close the window: its aboutToQuit must stop the threads,
    # or Python tears a running QThread down and the process aborts.
    _quit_stops_a_job_on(window)


def test_a_job_started_after_the_window_closed_is_waited_for_at_quit(qtbot, window):
    # Quitting closes the window first and then leaves the event loop; a timer that fires in
    # between (the next-token candidates' debounce) can start a job after the close.
    window.close()
    _quit_stops_a_job_on(window)
