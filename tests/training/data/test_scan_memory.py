"""scans.json, which spares re-hashing unchanged files: read once per corpus, kept bounded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.data import token_scans
from training.data.ingest import IngestCancelled, ingest_corpus


def _folder(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(count):
        (folder / f"n{i:04d}.txt").write_text(f"note {i}: the kettle sang on the stove.\n", encoding="utf-8")
    return folder


def test_a_warm_folder_reads_scans_json_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path, 300)
    cache = tmp_path / "cache"
    first = ingest_corpus([folder], cache_dir=cache)
    reads: list[Path] = []
    real = token_scans.read_json
    monkeypatch.setattr(token_scans, "read_json", lambda path: reads.append(path) or real(path))
    second = ingest_corpus([folder], cache_dir=cache)
    assert second.reused and second.fingerprint == first.fingerprint
    assert sum(p.name == "scans.json" for p in reads) == 1


def test_scans_json_forgets_its_oldest_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(token_scans, "MAX_SCANS", 50)
    cache = tmp_path / "cache"
    ingest_corpus([_folder(tmp_path, 80)], cache_dir=cache)
    known = json.loads((cache / "scans.json").read_text(encoding="utf-8"))
    assert len(known) == 50
    assert any(k.endswith("n0079.txt") for k in known)  # the newest are kept
    assert not any(k.endswith("n0000.txt") for k in known)


def test_a_stop_lands_while_a_large_folder_is_checked(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 1500)
    cache = tmp_path / "cache"
    ingest_corpus([folder], cache_dir=cache)  # warm: only remembered scans are looked up
    with pytest.raises(IngestCancelled):
        ingest_corpus([folder], cache_dir=cache, cancelled=lambda: True)
