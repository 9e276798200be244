"""The token cache keeps to a size a person sets (LSTM_STUDIO_CACHE_MAX_GB): the least recently
used entries go first, never one a run is using, and a run whose own entry is larger than the
whole limit keeps it, with one note."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_text
from training.common.events import Event, NoteEvent, ignore_events
from training.data.ingest import ingest_corpus

REPO = Path(__file__).resolve().parents[3]
CACHE_MAX_ENV = "LSTM_STUDIO_CACHE_MAX_GB"  # spelt out: the tests run against code without it too
CHARS = 12_000  # a corpus's characters: about that many bytes of ids at character level


def _corpus(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_text(f"{name}: " + make_text(CHARS // 5)[:CHARS], encoding="utf-8")
    return path


def _kept(cache: Path) -> set[str]:
    return {p.name for p in cache.glob("tokens-*")}


def _ingest(corpus: Path, cache: Path, events: list[Event] | None = None) -> str:
    """Read ``corpus`` through the cache and let go of its tokens: the name of its entry."""
    found = ingest_corpus(
        [corpus], cache_dir=cache, on_event=ignore_events if events is None else events.append
    )
    before = _kept(cache)
    del found
    gc.collect()
    assert _kept(cache) == before
    return max(cache.glob("tokens-*"), key=lambda p: (p / "info.json").stat().st_mtime).name


def test_the_limit_is_read_from_the_environment() -> None:
    from training.data.cache_limit import DEFAULT_MAX_GB, max_bytes

    assert max_bytes({}) == int(DEFAULT_MAX_GB * 1e9)
    assert max_bytes({CACHE_MAX_ENV: " 0.5 "}) == 500_000_000
    assert max_bytes({CACHE_MAX_ENV: "0"}) == 0
    for wrong in ("lots", "-1", "nan", "inf"):
        with pytest.raises(ValueError, match=CACHE_MAX_ENV):
            max_bytes({CACHE_MAX_ENV: wrong})


def test_least_recently_used_entries_go_until_the_cache_is_within_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_MAX_ENV, str(2.5 * CHARS / 1e9))  # room for two entries, not three
    a = _ingest(_corpus(tmp_path, "a"), cache)
    b = _ingest(_corpus(tmp_path, "b"), cache)
    assert _kept(cache) == {a, b}
    c = _ingest(_corpus(tmp_path, "c"), cache)
    assert _kept(cache) == {b, c}  # a was used least recently
    _ingest(tmp_path / "b.txt", cache)  # b is used again: c is now the oldest
    d = _ingest(_corpus(tmp_path, "d"), cache)
    assert _kept(cache) == {b, d}


def test_a_run_keeps_its_own_entry_above_the_limit_with_one_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_MAX_ENV, "0")
    events: list[Event] = []
    corpus = ingest_corpus([_corpus(tmp_path, "big")], cache_dir=cache, on_event=events.append)
    notes = [e.message for e in events if isinstance(e, NoteEvent)]
    assert len(notes) == 1 and CACHE_MAX_ENV in notes[0]
    assert len(_kept(cache)) == 1 and corpus.tokens[:3].tolist()  # there, and read
    again = ingest_corpus([tmp_path / "big.txt"], cache_dir=cache)  # a second run on it: reused
    assert again.reused and len(_kept(cache)) == 1
    del corpus, again
    gc.collect()
    _ingest(_corpus(tmp_path, "other"), cache)  # no run uses "big" any more: it goes
    assert len(_kept(cache)) == 1


# Reads a corpus through the cache in argv[2] and keeps its tokens until stdin closes.
_HOLDS_ITS_TOKENS = """
import sys
from pathlib import Path
from training.data.ingest import ingest_corpus

corpus = ingest_corpus([sys.argv[1]], cache_dir=Path(sys.argv[2]))
print("reading", flush=True)
sys.stdin.read()
print(int(corpus.tokens[:100].sum()))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="Windows protects a mapped entry by refusing to move it")
def test_an_entry_another_process_uses_is_not_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_MAX_ENV, "0")
    other = subprocess.Popen(
        [sys.executable, "-c", _HOLDS_ITS_TOKENS, str(_corpus(tmp_path, "theirs")), str(cache)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "reading"
        theirs = _kept(cache)
        ours = _ingest(_corpus(tmp_path, "ours"), cache)
        assert _kept(cache) == theirs | {ours}  # over the limit, but in use by the other run
    finally:
        out, _ = other.communicate("", timeout=60)
    assert other.returncode == 0 and out.strip().isdigit()  # its tokens were whole to the end
    mine = _ingest(_corpus(tmp_path, "later"), cache)
    assert _kept(cache) == {mine}


def test_an_entry_being_used_is_never_pruned_by_its_own_process(tmp_path: Path) -> None:
    from training.data import cache_limit

    cache = tmp_path / "cache"
    corpus = ingest_corpus([_corpus(tmp_path, "used")], cache_dir=cache)
    assert cache_limit.prune(cache, using=None, limit=0).deleted == ()
    assert corpus.tokens[:5].tolist()
    del corpus
    gc.collect()
    assert len(cache_limit.prune(cache, using=None, limit=0).deleted) == 1
    assert not _kept(cache)
