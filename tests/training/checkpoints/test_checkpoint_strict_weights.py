"""A checkpoint whose settings do not match its weights is named in one line, with the first
difference, not in PyTorch's list of every mismatched tensor."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lstm_core.tokenizers import train_tokenizer
from training.checkpoints.checkpoint import CheckpointError, load_model, save_checkpoint
from training.checkpoints.run_meta import RunMeta
from training.demo.tiny import TINY_MODEL, tiny_model


def _save_with_settings(folder: Path, **settings: object) -> Path:
    """A checkpoint whose recorded settings differ from its weights, with a valid checksum:
    what a faulty writer or a careful editor leaves."""
    tok = train_tokenizer("char", "hello mismatched weights")
    model = tiny_model(tok.vocab_size)
    model.config = dataclasses.replace(model.config, **settings)  # type: ignore[misc]
    return save_checkpoint(folder, model=model, tokenizer=tok, meta=RunMeta())


def test_a_wider_hidden_setting_names_the_setting_and_the_weight(tmp_path: Path) -> None:
    hidden = TINY_MODEL["hidden"]
    path = _save_with_settings(tmp_path / "m", hidden=2 * hidden)
    with pytest.raises(CheckpointError) as caught:
        load_model(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    assert f"its settings say hidden {2 * hidden} but its weights are {hidden} wide" in message
    assert "rnn.weight_ih_l0" in message and "damaged or was edited" in message


def test_the_cli_says_it_in_one_line(tmp_path: Path, capsys) -> None:
    from training.cli import main

    path = _save_with_settings(tmp_path / "m", layers=2)
    assert main(["generate", str(tmp_path / "m"), "--length", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "rnn.weight_ih_l1" in err
