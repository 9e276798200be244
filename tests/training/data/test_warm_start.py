"""A warm start on a folder trusts the walk's one stat a file: it opens, stats again and
resolves none of the corpus's files, and still notices the one that changed."""

from __future__ import annotations

import builtins
import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from training.common.events import Event, IngestEvent
from training.data import token_scans
from training.data.corpus import load_corpus
from training.data.ingest import ingest_corpus

HOUR_NS = 3600 * 10**9


def _settled_folder(tmp_path: Path, count: int) -> Path:
    """A folder of small files with their mtimes an hour ago."""
    folder = tmp_path / "notes"
    an_hour_ago = time.time_ns() - HOUR_NS
    for i in range(count):
        path = folder / f"part{i % 4}" / f"n{i:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"note {i}: the kettle sang on the stove, and the cat slept.\n", encoding="utf-8")
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
    return folder


def _recording(monkeypatch: pytest.MonkeyPatch, folder: Path) -> list[str]:
    """Every open, stat and lstat of a path inside ``folder`` (the folder itself aside)."""
    touched: list[str] = []
    inside = str(folder) + os.sep

    def spy(real: Callable[..., Any], what: str) -> Callable[..., Any]:
        def call(path: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(path, (str, os.PathLike)) and os.fspath(path).startswith(inside):
                touched.append(f"{what} {os.fspath(path)}")
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(builtins, "open", spy(builtins.open, "open"))
    monkeypatch.setattr(io, "open", spy(io.open, "open"))
    monkeypatch.setattr(os, "open", spy(os.open, "os.open"))
    monkeypatch.setattr(os, "stat", spy(os.stat, "stat"))
    monkeypatch.setattr(os, "lstat", spy(os.lstat, "lstat"))
    return touched


def test_a_warm_start_touches_no_corpus_file_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(token_scans, "SETTLE_NS", 0)  # utime moved ctime to now: as if settled
    folder, cache = _settled_folder(tmp_path, 120), tmp_path / "cache"
    first = ingest_corpus([folder], cache_dir=cache)
    touched = _recording(monkeypatch, folder)
    again = ingest_corpus([folder], cache_dir=cache)
    assert again.reused and again.fingerprint == first.fingerprint
    assert touched == []


def test_a_warm_start_still_rehashes_the_file_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(token_scans, "SETTLE_NS", 0)  # utime moved ctime to now: as if settled
    folder, cache = _settled_folder(tmp_path, 40), tmp_path / "cache"
    first = ingest_corpus([folder], cache_dir=cache)
    changed = folder / "part1" / "n005.txt"
    before = changed.stat()
    text = changed.read_text(encoding="utf-8")
    with changed.open("r+", encoding="utf-8") as handle:  # same size, same inode, mtime put back
        handle.write(text.replace("cat", "dog"))
    os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns))
    touched = _recording(monkeypatch, folder)
    checked: list[str] = []  # what was touched while the files were checked, before any text was read

    def on_event(event: Event) -> None:
        if isinstance(event, IngestEvent) and event.stage != "checking files" and not checked:
            checked.extend(touched)

    again = ingest_corpus([folder], cache_dir=cache, on_event=on_event)
    assert not again.reused and again.fingerprint != first.fingerprint
    assert again.tokens.tolist() == again.tokenizer.encode(load_corpus([folder]).text)
    # Hashed again, and stat'ed after it: that file alone, of the 40.
    assert {t.split(" ", 1)[1] for t in checked} == {str(changed)}
