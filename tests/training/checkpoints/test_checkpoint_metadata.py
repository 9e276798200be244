"""read_metadata: the header's JSON without the tensors, with load_checkpoint's errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from lstm_core.tokenizers import train_tokenizer
from training.checkpoints import checkpoint as ckpt
from training.checkpoints.checkpoint import CheckpointError, read_metadata, save_checkpoint
from training.checkpoints.run_meta import Progress, RunMeta
from training.demo.tiny import tiny_model


def _save(folder: Path) -> Path:
    tok = train_tokenizer("char", "hello metadata")
    model = tiny_model(tok.vocab_size)
    return save_checkpoint(folder, model=model, tokenizer=tok, meta=RunMeta(progress=Progress(done=False)))


def test_matches_load_checkpoint_without_reading_tensors(tmp_path: Path, monkeypatch) -> None:
    path = _save(tmp_path / "run")
    expected = ckpt.load_checkpoint(path).meta

    def no_tensors(*_a: object, **_k: object) -> None:
        raise AssertionError("read_metadata must not read tensors")

    monkeypatch.setattr("safetensors._safetensors_rust.safe_open.get_tensor", no_tensors, raising=False)
    meta = read_metadata(tmp_path / "run")  # a run folder works, as for load_checkpoint
    assert meta == expected
    assert meta.progress == Progress(done=False) and meta.model is not None


def test_errors_match_load_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="no checkpoint there"):
        read_metadata(tmp_path / "missing")
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        read_metadata(broken)
    foreign = tmp_path / "foreign.safetensors"
    save_file({"x": torch.zeros(1)}, str(foreign), metadata={"lstm_studio": json.dumps({"a": 1})})
    with pytest.raises(CheckpointError, match="no format version"):
        read_metadata(foreign)
    newer = tmp_path / "newer.safetensors"
    meta = json.dumps({"format_version": ckpt.FORMAT_VERSION + 1})
    save_file({"x": torch.zeros(1)}, str(newer), metadata={"lstm_studio": meta})
    with pytest.raises(CheckpointError, match="newer"):
        read_metadata(newer)


def test_a_relative_corpus_name_is_found_beside_the_checkpoint(tmp_path, monkeypatch) -> None:
    from training.checkpoints.checkpoint import read_metadata
    from training.run_spec import own_corpus

    demo = Path(__file__).resolve().parents[3] / "assets" / "demo"
    monkeypatch.chdir(tmp_path)  # not where the demo is: "corpus.txt" is not here
    meta = read_metadata(demo / "lstm")
    assert own_corpus(meta) == (str((demo / "corpus.txt").resolve()),)


def test_absolute_corpus_names_are_read_without_a_stat_each(tmp_path, monkeypatch) -> None:
    """A run on 50,000 files recorded 50,000 absolute names: reading its metadata (at every
    save's best-weights copy, Ctrl+C included) must not look at each file."""
    from training.checkpoints.run_meta import CorpusInfo

    tok = train_tokenizer("char", "hello metadata")
    files = tuple(str(tmp_path / "corpus" / f"{i}.txt") for i in range(500))
    meta = RunMeta(progress=Progress(done=False), corpus=CorpusInfo(files=files))
    path = save_checkpoint(tmp_path / "run", model=tiny_model(tok.vocab_size), tokenizer=tok, meta=meta)
    looked: list[Path] = []
    real = Path.is_file
    monkeypatch.setattr(Path, "is_file", lambda self: looked.append(self) or real(self))
    assert read_metadata(path).corpus.files == files
    assert not [p for p in looked if p.parent == tmp_path / "corpus"]
