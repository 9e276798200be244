"""A token cache entry that is damaged, cut short, another corpus's or unchecked is rebuilt
with a note, never trained on and never a refusal that lasts."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import make_text
from training.common.events import Event, NoteEvent, WarningEvent
from training.data.ingest import ingest_corpus


def _corpus(tmp_path: Path, name: str, seed: int) -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_text(make_text(3000, seed=seed), encoding="utf-8")
    return path


def _ingest(corpus: Path, cache: Path) -> tuple[np.ndarray, int, Path]:
    """The corpus's ids (a copy: damage would show through a memory map, and a map of a file
    cut short faults), its vocabulary size and its entry's folder."""
    ingested = ingest_corpus([corpus], cache_dir=cache)
    ids = np.array(ingested.tokens)
    (folder,) = (
        f for f in cache.glob("tokens-*") if np.array_equal(np.fromfile(f / "tokens.bin", ids.dtype), ids)
    )
    return ids, ingested.tokenizer.vocab_size, folder


def _flip_bytes(folder: Path, vocab: int) -> None:
    data = bytearray((folder / "tokens.bin").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(reversed(data[middle : middle + 64]))
    (folder / "tokens.bin").write_bytes(bytes(data))


def _id_beyond_vocabulary(folder: Path, vocab: int) -> None:
    ids = np.fromfile(folder / "tokens.bin", dtype=np.uint8)
    ids[10] = vocab  # still a uint8: the file keeps its length
    ids.tofile(folder / "tokens.bin")


def _cut_short(folder: Path, vocab: int) -> None:
    os.truncate(folder / "tokens.bin", (folder / "tokens.bin").stat().st_size - 100)


def _garbled_info(folder: Path, vocab: int) -> None:
    (folder / "info.json").write_text("{not json", encoding="utf-8")


def _notes(events: list[Event], kind: type[WarningEvent | NoteEvent]) -> list[str]:
    """What the person was told about the token cache, as warnings or as notes."""
    return [e.message for e in events if isinstance(e, kind) and "token cache" in e.message]


@pytest.mark.parametrize("damage", [_flip_bytes, _id_beyond_vocabulary, _cut_short, _garbled_info])
def test_a_damaged_entry_is_rebuilt_with_a_warning(
    tmp_path: Path, damage: Callable[[Path, int], None]
) -> None:
    corpus, cache = _corpus(tmp_path, "a", 1), tmp_path / "cache"
    ids, vocab, folder = _ingest(corpus, cache)
    assert ids.dtype == np.uint8 and vocab < 255
    damage(folder, vocab)
    events: list[Event] = []
    again = ingest_corpus([corpus], cache_dir=cache, on_event=events.append)
    assert not again.reused
    assert np.array_equal(again.tokens, ids) and int(again.tokens.max()) < vocab
    assert _notes(events, WarningEvent) == [
        "the token cache's copy of this corpus was damaged; it was rebuilt"
    ]
    assert ingest_corpus([corpus], cache_dir=cache).reused  # whole again: no further rebuild


def test_entries_swapped_between_corpora_give_each_its_own_text(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    a, b = _corpus(tmp_path, "a", 1), _corpus(tmp_path, "b", 2)
    ids_a, _, folder_a = _ingest(a, cache)
    ids_b, _, folder_b = _ingest(b, cache)
    folder_a.rename(tmp_path / "aside")
    folder_b.rename(folder_a)
    (tmp_path / "aside").rename(folder_b)
    events: list[Event] = []
    again_a = ingest_corpus([a], cache_dir=cache, on_event=events.append)
    assert not again_a.reused and np.array_equal(again_a.tokens, ids_a)
    another = "held another text's tokens"
    assert _notes(events, WarningEvent) == [
        f"the token cache's copy of this corpus {another}; it was rebuilt"
    ]
    assert np.array_equal(ingest_corpus([b], cache_dir=cache).tokens, ids_b)


def test_an_entry_made_before_checksums_is_rebuilt_once_with_a_note(tmp_path: Path) -> None:
    corpus, cache = _corpus(tmp_path, "a", 1), tmp_path / "cache"
    ids, _, folder = _ingest(corpus, cache)
    check = folder / "check.json"
    assert json.loads(check.read_text(encoding="utf-8"))["key"] == folder.name.removeprefix("tokens-")
    check.unlink()
    events: list[Event] = []
    again = ingest_corpus([corpus], cache_dir=cache, on_event=events.append)
    assert not again.reused and np.array_equal(again.tokens, ids)
    older = "was made by an older version, without a checksum"
    assert _notes(events, NoteEvent) == [f"the token cache's copy of this corpus {older}; it was rebuilt"]
    assert ingest_corpus([corpus], cache_dir=cache).reused


def test_an_entry_untouched_since_its_check_is_not_read_whole_again(tmp_path: Path, monkeypatch) -> None:
    """A 10 GB text's tokens read whole at every open cost seconds, and count as memory of the
    process while mapped: an entry's stamp, recorded when it was written or last checked,
    tells an untouched file from one that any write has moved."""
    import training.data.token_cache as token_cache

    corpus = _corpus(tmp_path, "a", seed=1)
    cache = tmp_path / "cache"
    ids, vocab, folder = _ingest(corpus, cache)
    reads: list[Path] = []
    real = token_cache.crc_and_top
    monkeypatch.setattr(
        token_cache, "crc_and_top", lambda path, dtype: reads.append(path) or real(path, dtype)
    )
    again = ingest_corpus([corpus], cache_dir=cache)
    assert again.reused and reads == []
    # Bytes changed in place, with the file's times put back: its change time still moved.
    st = (folder / "tokens.bin").stat()
    _flip_bytes(folder, vocab)
    os.utime(folder / "tokens.bin", ns=(st.st_atime_ns, st.st_mtime_ns))
    rebuilt = ingest_corpus([corpus], cache_dir=cache)
    assert reads and not rebuilt.reused and np.array_equal(np.array(rebuilt.tokens), ids)


def test_a_full_cache_disk_names_the_cache_and_how_to_move_it_and_leaves_nothing(
    tmp_path: Path, monkeypatch
) -> None:
    import errno

    import training.data.token_cache as token_cache

    corpus = _corpus(tmp_path, "a", seed=2)
    cache = tmp_path / "cache"
    real_write = token_cache.TokenWriter.write

    def fills_up(self, ids) -> None:  # type: ignore[no-untyped-def]
        real_write(self, ids[: len(ids) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(token_cache.TokenWriter, "write", fills_up)
    with pytest.raises(OSError) as raised:
        ingest_corpus([corpus], cache_dir=cache)
    said = str(raised.value)
    assert said.startswith(f"cannot write the token cache in {cache}: the disk is full")
    assert "LSTM_STUDIO_CACHE" in said and "[Errno" not in said
    assert [p.name for p in cache.iterdir() if p.is_dir()] == []  # no partial entry
