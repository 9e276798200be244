"""Corpus jobs hand the GIL to the window's thread sooner, and only while they run."""

from __future__ import annotations

import sys
import threading

import pytest

from app.gil_handover import BRISK_SWITCH_INTERVAL_S, run_briskly
from tests.app.conftest import load_corpus

BRISK = pytest.approx(BRISK_SWITCH_INTERVAL_S, abs=1e-6)  # the interpreter keeps whole microseconds


def test_the_short_interval_lasts_while_any_such_job_runs():
    usual = sys.getswitchinterval()
    first_inside, release = threading.Event(), threading.Event()
    seen: dict[str, float] = {}

    def long_job() -> str:
        seen["first"] = sys.getswitchinterval()
        first_inside.set()
        release.wait(10)
        return "counted"

    results: list[str] = []
    other = threading.Thread(target=lambda: results.append(run_briskly(long_job)))
    other.start()
    assert first_inside.wait(10)
    assert run_briskly(sys.getswitchinterval) == BRISK  # a second job
    assert sys.getswitchinterval() == BRISK  # the first still runs
    release.set()
    other.join(10)
    assert results == ["counted"] and seen["first"] == BRISK
    assert sys.getswitchinterval() == usual  # back once the last one ended


def test_a_failing_job_restores_the_interval():
    usual = sys.getswitchinterval()

    def broken() -> None:
        raise ValueError("unreadable")

    with pytest.raises(ValueError):
        run_briskly(broken)
    assert sys.getswitchinterval() == usual


def test_reading_and_counting_a_corpus_run_briskly(qtbot, window, tiny, monkeypatch):
    """The corpus panel's jobs (reading, counting by words) go through run_briskly."""
    from app.panels import corpus_panel

    intervals: list[float] = []
    real = corpus_panel.run_briskly

    def spy(work, *args):
        def noted(*inner):
            intervals.append(sys.getswitchinterval())  # on the job's thread, while it runs
            return work(*inner)

        return real(noted, *args)

    monkeypatch.setattr(corpus_panel, "run_briskly", spy)
    load_corpus(qtbot, window, [str(tiny.corpus)])
    with qtbot.waitSignal(window.corpus.counted, timeout=30_000):
        window.corpus.level.setCurrentText("word")
    assert len(intervals) >= 2 and all(i == BRISK for i in intervals)
    assert sys.getswitchinterval() != BRISK
