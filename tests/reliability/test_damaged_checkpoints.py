"""A damaged checkpoint is found before it is used, and the older one beside it is offered."""

from __future__ import annotations

import json
import os
import pickle
import struct
from pathlib import Path

import pytest
import torch

from lstm_core.tokenizers import train_tokenizer
from training.checkpoints.checkpoint import (
    CheckpointError,
    load_checkpoint,
    load_model,
    read_metadata,
    save_checkpoint,
)
from training.checkpoints.checkpoint_io import previous_path
from training.checkpoints.run_meta import Progress, RunMeta
from training.demo.tiny import tiny_model


def _save_twice(folder: Path) -> Path:
    tok = train_tokenizer("char", "hello damaged checkpoints")
    for step in (1, 2):
        model = tiny_model(tok.vocab_size, seed=step)
        path = save_checkpoint(folder, model=model, tokenizer=tok, meta=RunMeta(progress=Progress(step=step)))
    return path


def _flip_a_bit(path: Path, at_fraction: float) -> None:
    data = bytearray(path.read_bytes())
    index = int(len(data) * at_fraction)
    data[index] ^= 0x10
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", [0.6, 0.9, 0.999])
def test_a_flipped_bit_in_the_weights_is_detected_and_the_previous_one_named(
    tmp_path: Path, where: float
) -> None:
    path = _save_twice(tmp_path / "run")
    _flip_a_bit(path, where)
    with pytest.raises(CheckpointError, match="damaged") as caught:
        load_model(tmp_path / "run")
    assert caught.value.fallback == previous_path(path)
    assert str(previous_path(path)) in str(caught.value)
    assert load_checkpoint(caught.value.fallback).meta.progress.step == 1  # the one offered loads


def test_a_truncated_checkpoint_names_the_previous_one(tmp_path: Path) -> None:
    path = _save_twice(tmp_path / "run")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    with pytest.raises(CheckpointError, match="corrupt or truncated") as caught:
        load_checkpoint(tmp_path / "run")
    assert caught.value.fallback == previous_path(path)


def test_the_cli_names_the_older_checkpoint(tmp_path: Path, capsys) -> None:
    from training.cli import main

    path = _save_twice(tmp_path / "run")
    _flip_a_bit(path, 0.9)
    assert main(["generate", str(tmp_path / "run"), "--length", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "damaged" in err and "checkpoint-previous.safetensors" in err


def test_a_huge_declared_header_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 2 * 1024**3) + b"{}")  # claims a 2 GB header
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        read_metadata(path)


def test_a_json_bomb_in_the_header_is_refused(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    path = tmp_path / "bomb.safetensors"
    nested = "[" * 100_000 + "]" * 100_000  # deeper than any JSON parser recurses
    save_file({"x": torch.zeros(1)}, str(path), metadata={"lstm_studio": nested})
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(path)


class _Payload:
    def __reduce__(self):  # unpickling this would create a file
        return (os.mkdir, (str(Path(os.environ["PAYLOAD_DIR"]) / "ran"),))


def test_a_pickle_payload_is_refused_without_running_code(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PAYLOAD_DIR", str(tmp_path))
    for name in ("checkpoint.safetensors", "model.pt"):
        path = tmp_path / "run" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(pickle.dumps({"weights": _Payload()}))
        with pytest.raises(CheckpointError):
            load_checkpoint(path if name.endswith(".safetensors") else path.with_suffix(".safetensors"))
    assert not (tmp_path / "ran").exists()


def test_metadata_with_a_changed_value_fails_the_checksum(tmp_path: Path) -> None:
    path = _save_twice(tmp_path / "run")
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + size])
    meta = json.loads(header["__metadata__"]["lstm_studio"])
    meta["progress"]["step"] = 7  # same length: "2" -> "7"
    header["__metadata__"]["lstm_studio"] = json.dumps(meta)
    body = json.dumps(header, separators=(",", ":")).encode()
    assert len(body) <= size
    body = body.ljust(size)
    path.write_bytes(data[:8] + body + data[8 + size :])
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(path)
