"""The token cache's info.json: files already on disk still open, a damaged one is a miss."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from training.data.token_cache import FORMAT, TokenInfo, TokenWriter, open_tokens

# What info.json held before TokenInfo, as ingestion and TokenWriter.commit wrote it.
ON_DISK: dict[str, Any] = {
    "documents": 2,
    "chars": 12,
    "warnings": ["skipped x.png: looks like a binary file (it contains NUL bytes), not text"],
    "file_chars": {"ab12": 12},
    "format": FORMAT,
    "count": 5,
    "dtype": "uint8",
}


def _entry(root: Path, info: dict[str, Any], ids: np.ndarray) -> str:
    folder = root / "tokens-k"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "info.json").write_text(json.dumps(info), encoding="utf-8")
    (folder / "tokens.bin").write_bytes(ids.tobytes())
    return "k"


def test_info_writes_the_keys_it_read_in_the_same_order() -> None:
    info = TokenInfo.from_dict(ON_DISK)
    assert info.documents == 2 and info.file_chars == {"ab12": 12}
    assert info.warnings == tuple(ON_DISK["warnings"])
    assert list(info.to_dict().items()) == list(ON_DISK.items())
    stream = {k: v for k, v in ON_DISK.items() if k != "documents"}
    assert TokenInfo.from_dict(stream).documents is None
    assert list(TokenInfo.from_dict(stream).to_dict()) == list(stream)  # no "documents" key


def test_an_entry_with_keys_it_does_not_know_still_opens(tmp_path: Path) -> None:
    ids = np.arange(5, dtype=np.uint8)
    key = _entry(tmp_path, {**ON_DISK, "added_later": [1, 2]}, ids)
    found = open_tokens(tmp_path, key)
    assert found is not None and found.tokens.tolist() == ids.tolist()
    assert found.info == TokenInfo.from_dict(ON_DISK)


@pytest.mark.parametrize(
    "change",
    [
        {"format": FORMAT + 1},
        {"count": 6},  # not what tokens.bin holds
        {"dtype": "no such type"},
        {"chars": None},
        {"file_chars": [1, 2]},
    ],
)
def test_an_entry_of_another_format_or_damaged_is_a_miss(tmp_path: Path, change: dict[str, Any]) -> None:
    key = _entry(tmp_path, {**ON_DISK, **change}, np.arange(5, dtype=np.uint8))
    assert open_tokens(tmp_path, key) is None


@pytest.mark.parametrize("missing", ["format", "count", "dtype", "chars", "warnings", "file_chars"])
def test_an_entry_without_a_field_it_needs_is_a_miss(tmp_path: Path, missing: str) -> None:
    info = {k: v for k, v in ON_DISK.items() if k != missing}
    key = _entry(tmp_path, info, np.arange(5, dtype=np.uint8))
    assert open_tokens(tmp_path, key) is None


def test_a_committed_entry_reads_back(tmp_path: Path) -> None:
    writer = TokenWriter(tmp_path, "fresh")
    writer.write(np.arange(7, dtype=np.uint16))
    found = writer.commit(chars=9, warnings=["a warning"], file_chars={"cd34": 9})
    assert found.tokens.tolist() == list(range(7))
    assert found.info == TokenInfo(7, "uint16", 9, ("a warning",), {"cd34": 9})
    written = json.loads((tmp_path / "tokens-fresh" / "info.json").read_text(encoding="utf-8"))
    assert list(written) == ["chars", "warnings", "file_chars", "format", "count", "dtype"]
