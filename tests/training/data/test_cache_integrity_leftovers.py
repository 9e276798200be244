"""A writer killed mid-tokenise leaves a temporary folder; the next ingestion deletes it, and
leaves alone those of writers still at work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import make_text
from training.data.ingest import ingest_corpus
from training.data.token_cache import TokenWriter

REPO = Path(__file__).resolve().parents[3]

# Ingests the corpus in argv[1] into the cache in argv[2] and is killed (no clean-up of any
# kind runs) once the ids have started to go to the token file.
_KILLED_MID_TOKENISE = """
import os, signal, sys
from pathlib import Path
from training.common.events import IngestEvent
from training.data.ingest import ingest_corpus

def die_mid_tokenise(event):
    if isinstance(event, IngestEvent) and event.stage == "tokenising" and event.done > 0:
        os.kill(os.getpid(), signal.SIGKILL)

ingest_corpus([sys.argv[1]], cache_dir=Path(sys.argv[2]), on_event=die_mid_tokenise)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX; Windows goes by age alone")
def test_a_writer_killed_mid_tokenise_leaves_nothing_after_the_next_ingestion(tmp_path: Path) -> None:
    corpus, cache = tmp_path / "corpus.txt", tmp_path / "cache"
    corpus.write_text(make_text(20_000), encoding="utf-8")
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_MID_TOKENISE, str(corpus), str(cache)], cwd=REPO, timeout=120
    )
    assert killed.returncode == -signal.SIGKILL
    assert len(list(cache.glob(".tokens-*"))) == 1 and not list(cache.glob("tokens-*"))

    alive = TokenWriter(cache, "0123abcd")  # this process: still writing
    try:
        assert not ingest_corpus([corpus], cache_dir=cache).reused
        assert [p.name for p in cache.glob(".tokens-*")] == [alive.folder.name]
    finally:
        alive.abandon()


def test_a_temporary_folder_named_before_pids_goes_after_a_day(tmp_path: Path) -> None:
    corpus, cache = tmp_path / "corpus.txt", tmp_path / "cache"
    corpus.write_text(make_text(2000), encoding="utf-8")
    old, recent = cache / ".tokens-0123abcd-oldname", cache / ".tokens-4567cdef-newname"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "tokens.bin").write_bytes(b"\0" * 100)
    two_days_ago = time.time() - 2 * 86_400
    for path in (old / "tokens.bin", old):
        os.utime(path, (two_days_ago, two_days_ago))
    ingest_corpus([corpus], cache_dir=cache)
    assert not old.exists() and recent.exists()  # a writer may still be at work on that one
