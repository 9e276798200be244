"""Every checkpoint this version writes carries its checksum, and is refused without it; only a
file saved before then loads unchecked, and says so."""

from __future__ import annotations

import json
import logging
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lstm_core.tokenizers import train_tokenizer
from training.checkpoints.checkpoint import CheckpointError, load_checkpoint, read_metadata, save_checkpoint
from training.checkpoints.checkpoint_io import CHECKSUM_KEY
from training.checkpoints.run_meta import RunMeta
from training.demo.tiny import tiny_model


def _save(folder: Path) -> Path:
    tok = train_tokenizer("char", "hello strict checksums")
    return save_checkpoint(folder, model=tiny_model(tok.vocab_size), tokenizer=tok, meta=RunMeta())


def _edit_metadata(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite the file's JSON metadata as an editor would, leaving its tensors as they are."""
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + size])
    meta = json.loads(header["__metadata__"]["lstm_studio"])
    edit(meta)
    header["__metadata__"]["lstm_studio"] = json.dumps(meta)
    body = json.dumps(header).encode()
    body += b" " * (-len(body) % 8)  # safetensors keeps the tensors 8-byte aligned
    path.write_bytes(struct.pack("<Q", len(body)) + body + data[8 + size :])


def _flip_a_bit_in_the_checksum_name(path: Path) -> None:
    data = bytearray(path.read_bytes())
    at = data.index(b'\\"checksum\\"') + 2  # the key inside the metadata's escaped JSON
    data[at] ^= 0x01  # "checksum" -> "bhecksum": the file still parses
    path.write_bytes(bytes(data))


def test_a_new_checkpoint_without_its_checksum_is_refused(tmp_path: Path) -> None:
    path = _save(tmp_path / "m")

    def edit_tokenizer_and_drop_checksum(meta: dict[str, Any]) -> None:
        meta["tokenizer"]["chars"] = list(reversed(meta["tokenizer"]["chars"]))
        del meta[CHECKSUM_KEY]

    _edit_metadata(path, edit_tokenizer_and_drop_checksum)
    for read in (load_checkpoint, read_metadata):
        with pytest.raises(CheckpointError) as caught:
            read(path)
        message = str(caught.value)
        assert message.startswith(str(path)) and "checksum" in message and "\n" not in message


def test_a_flipped_bit_in_the_checksum_key_name_is_refused(tmp_path: Path) -> None:
    path = _save(tmp_path / "m")
    _flip_a_bit_in_the_checksum_name(path)
    with pytest.raises(CheckpointError, match="checksum") as caught:
        load_checkpoint(path)
    assert str(path) in str(caught.value)


def test_an_older_checkpoint_without_a_checksum_loads_with_one_warning(tmp_path: Path, caplog) -> None:
    path = _save(tmp_path / "m")
    # What a version from before every file carried a checksum wrote: neither key.
    _edit_metadata(path, lambda meta: [meta.pop(k) for k in list(meta) if k.startswith(CHECKSUM_KEY)])
    with caplog.at_level(logging.WARNING):
        load_checkpoint(path)
        load_checkpoint(path)  # said once per file, not on every load
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(said) == 1 and str(path) in said[0] and "cannot be verified" in said[0]
    assert "\n" not in said[0]


def test_a_checkpoint_written_now_loads_without_a_warning(tmp_path: Path, caplog) -> None:
    path = _save(tmp_path / "m")
    with caplog.at_level(logging.WARNING):
        load_checkpoint(path)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
