"""A corpus that holds a text twice keeps it once, and says so."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_text
from training.common.events import Event, WarningEvent
from training.data.documents import DocumentMode
from training.data.ingest import ingest_corpus


def test_a_file_with_the_same_bytes_as_another_is_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(make_text(800, seed=1), encoding="utf-8")
    (folder / "b.txt").write_text(make_text(800, seed=2), encoding="utf-8")
    (folder / "c-copy-of-a.txt").write_text(make_text(800, seed=1), encoding="utf-8")
    events: list[Event] = []
    corpus = ingest_corpus([folder], cache_dir=tmp_path / "cache", on_event=events.append)
    assert [Path(f.path).name for f in corpus.files] == ["a.txt", "b.txt"]
    warnings = [e.message for e in events if isinstance(e, WarningEvent)]
    assert "left out 1 duplicate file (the same bytes as another): c-copy-of-a.txt" in warnings
    alone = ingest_corpus([folder / "a.txt", folder / "b.txt"], cache_dir=tmp_path / "cache")
    assert corpus.fingerprint == alone.fingerprint  # the same text, so the same cached tokens


def test_repeated_documents_are_kept_once(tmp_path: Path) -> None:
    lines = [f"item {i}: {make_text(12, seed=i)}" for i in range(60)]
    text = "\n".join(lines + lines[:25])  # 25 items appear twice
    path = tmp_path / "items.txt"
    path.write_text(text, encoding="utf-8")
    events: list[Event] = []
    corpus = ingest_corpus(
        [path], mode=DocumentMode.parse("lines"), cache_dir=tmp_path / "cache", on_event=events.append
    )
    assert corpus.documents == 60
    assert "left out 25 duplicate documents (the same text as an earlier one)" in [
        e.message for e in events if isinstance(e, WarningEvent)
    ]


def test_many_duplicates_are_named_a_few_at_a_time() -> None:
    from training.data.corpus_messages import duplicate_files

    said = duplicate_files([f"/data/copy{i:03d}.txt" for i in range(112)])
    assert said == "left out 112 duplicate files (the same bytes as another): " + (
        "copy000.txt, copy001.txt, copy002.txt, copy003.txt, copy004.txt and 107 more"
    )
