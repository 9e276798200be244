"""The garbage collector is held still while a corpus is read, and left as it was found."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

from tests.conftest import make_text
from training.common.events import Event
from training.data.collector_pause import collector_paused
from training.data.ingest import ingest_corpus


def test_reading_a_corpus_pauses_the_collector_and_restores_it(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_text(make_text(2000), encoding="utf-8")
    seen: list[bool] = []

    def on_event(_event: Event) -> None:
        seen.append(gc.isenabled())

    assert gc.isenabled()
    ingest_corpus([path], cache_dir=tmp_path / "cache", on_event=on_event)
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        ingest_corpus([path], cache_dir=tmp_path / "cache")
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()


def test_two_readings_at_once_end_the_pause_when_the_last_one_ends() -> None:
    first_in, second_done = threading.Event(), threading.Event()
    during: list[bool] = []

    def second() -> None:
        first_in.wait()
        with collector_paused():
            pass
        during.append(gc.isenabled())
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with collector_paused():
        first_in.set()
        second_done.wait()
    thread.join()
    assert during == [False] and gc.isenabled()
