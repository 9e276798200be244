"""A thread that outlives its shutdown wait is never deleted while it runs."""

from __future__ import annotations

import threading

from app import workers
from app.controller import GenerationRunner
from lstm_core.sampling import SamplingSettings


def test_a_thread_that_outlives_the_wait_is_kept_until_it_ends(qtbot, monkeypatch):
    gate = threading.Event()

    def blocked(*_args: object, **_kwargs: object):
        gate.wait(10)  # a model step that cannot be interrupted
        yield from ()

    monkeypatch.setattr(workers, "generate_tokens", blocked)
    runner = GenerationRunner()
    runner.start(None, None, "", SamplingSettings())  # type: ignore[arg-type]
    thread = runner._thread
    assert not runner.shutdown(timeout_ms=50)
    assert runner.running and runner._thread is thread and thread.isRunning()
    qtbot.wait(50)  # a deleteLater posted now would destroy a running QThread
    gate.set()
    qtbot.waitUntil(lambda: not runner.running, timeout=5_000)
