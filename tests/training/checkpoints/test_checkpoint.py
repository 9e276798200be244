from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from lstm_core import LanguageModel
from lstm_core.tokenizers import train_tokenizer
from training.checkpoints import checkpoint as ckpt
from training.checkpoints.checkpoint import CheckpointError, load_model, save_checkpoint
from training.checkpoints.run_meta import RunMeta
from training.demo.tiny import TINY_MODEL, tiny_model


def _save(path: Path, seed: int = 0, tie: bool = False) -> LanguageModel:
    tok = train_tokenizer("char", "hello world, hello checkpoints")
    # Tying needs embed == hidden.
    model = tiny_model(tok.vocab_size, seed=seed, embed=TINY_MODEL["hidden"], tie_weights=tie)
    optimizer = torch.optim.AdamW(model.parameters())
    model(torch.tensor([[1, 2, 3]]), targets=torch.tensor([[2, 3, 4]])).loss.backward()
    optimizer.step()
    save_checkpoint(path, model=model, tokenizer=tok, meta=RunMeta(name="x"), optimizer=optimizer)
    return model


@pytest.mark.parametrize("tie", [False, True])
def test_round_trip(tmp_path: Path, tie: bool) -> None:
    model = _save(tmp_path / "run", tie=tie)
    loaded, tok, meta = load_model(tmp_path / "run")
    assert meta.name == "x" and meta.model == model.config
    assert tok.encode("hello") == [tok.encode(c)[0] for c in "hello"]
    for (name, a), b in zip(model.state_dict().items(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    if tie:
        assert loaded.head.weight.data_ptr() == loaded.embedding.weight.data_ptr()
    raw = ckpt.load_checkpoint(tmp_path / "run")
    assert any(k.startswith("optim.") for k in raw.tensors)


def test_truncated_and_garbage_files_are_clear_errors(tmp_path: Path) -> None:
    _save(tmp_path / "run")
    path = tmp_path / "run" / ckpt.FILE_NAME
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_model(path)
    path.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_model(path)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_model(tmp_path / "elsewhere")


def test_newer_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.safetensors"
    save_file({"x": torch.zeros(1)}, path, metadata={"lstm_studio": json.dumps({"format_version": 99})})
    with pytest.raises(CheckpointError, match="newer LSTM Studio"):
        load_model(path)


def test_crash_mid_save_leaves_previous_checkpoint_intact(tmp_path: Path, monkeypatch) -> None:
    first = _save(tmp_path / "run", seed=0)

    def crash(*args, **kwargs):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        _save(tmp_path / "run", seed=1)
    monkeypatch.undo()
    loaded, _, _ = load_model(tmp_path / "run")
    assert torch.equal(loaded.embedding.weight, first.embedding.weight)
    assert [p.name for p in (tmp_path / "run").iterdir()] == [ckpt.FILE_NAME]  # no temp left behind
