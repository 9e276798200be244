"""scans.json never stands in for a file that changed: not after a same-size rewrite with its
mtime put back, not for a file that changed while it was read, not for one written just now."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.conftest import make_text
from training.common.events import Event, IngestEvent
from training.data import ingest_scan, token_scans
from training.data.corpus import load_corpus
from training.data.ingest import ingest_corpus
from training.data.text_stream import ScannedFile

HOUR_NS = 3600 * 10**9


def _settled_file(tmp_path: Path, text: str) -> Path:
    """A corpus file last changed an hour ago, as if written long before."""
    path = tmp_path / "notes.txt"
    path.write_text(text, encoding="utf-8")
    an_hour_ago = time.time_ns() - HOUR_NS
    os.utime(path, ns=(an_hour_ago, an_hour_ago))
    return path


def _hashed_bytes(path: Path, cache: Path) -> int:
    """How many bytes an ingestion had to hash ("checking files"): 0 when scans.json served."""
    totals = []

    def on_event(event: Event) -> None:
        if isinstance(event, IngestEvent) and event.stage == "checking files":
            totals.append(event.total)

    ingest_corpus([path], cache_dir=cache, on_event=on_event)
    return totals[0]


def test_a_same_size_rewrite_with_its_mtime_put_back_is_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(token_scans, "SETTLE_NS", 0, raising=False)  # only the stat decides here
    text = make_text(2000, seed=1)
    path, cache = _settled_file(tmp_path, text), tmp_path / "cache"
    first = ingest_corpus([path], cache_dir=cache)
    before = path.stat()
    changed = text.replace("the", "THE")
    assert len(changed) == len(text) and changed != text
    with path.open("r+", encoding="utf-8") as handle:  # in place: same inode, same size
        handle.write(changed)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # ctime moves all the same
    again = ingest_corpus([path], cache_dir=cache)
    assert not again.reused and again.fingerprint != first.fingerprint
    assert again.tokens.tolist() == again.tokenizer.encode(load_corpus([path]).text)


def test_a_file_written_while_it_was_read_is_not_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, cache = _settled_file(tmp_path, make_text(2000, seed=2)), tmp_path / "cache"
    real_scan = ingest_scan.scan_file

    def scan_then_write(file: str | Path, **kwargs: object) -> ScannedFile:
        scanned = real_scan(file, **kwargs)  # type: ignore[arg-type]
        with Path(file).open("a", encoding="utf-8") as handle:  # an editor saves just after the read
            handle.write("a line added while the folder was checked\n")
        return scanned

    monkeypatch.setattr(ingest_scan, "scan_file", scan_then_write)
    ingest_corpus([path], cache_dir=cache)
    monkeypatch.undo()
    known = json.loads((cache / "scans.json").read_text(encoding="utf-8"))
    assert str(path.resolve()) not in known
    again = ingest_corpus([path], cache_dir=cache)
    assert again.chars == len(load_corpus([path]).text)  # the text as it is now


def test_a_file_written_just_before_its_scan_is_hashed_again_until_it_settles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, cache = tmp_path / "fresh.txt", tmp_path / "cache"
    path.write_text(make_text(2000, seed=3), encoding="utf-8")  # within a timestamp tick of the scan
    size = path.stat().st_size
    assert _hashed_bytes(path, cache) == size
    assert _hashed_bytes(path, cache) == size  # its first scan may have missed a later write
    monkeypatch.setattr(token_scans, "SETTLE_NS", 0, raising=False)  # as if the file had settled
    assert _hashed_bytes(path, cache) == 0
