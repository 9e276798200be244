"""A resume does not drop what the run was trained with without a word: a documents mode other
than the run's is refused, and a pair's RNN whose checkpoint is gone is named as left out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.cli import main
from training.common.events import Event, WarningEvent
from training.run import prepare_run
from training.run_spec import resume_spec

TINY = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16", "--steps", "2"]


@pytest.fixture
def stream_run(corpus_file: Path, tmp_path: Path, capsys) -> Path:
    out = tmp_path / "m"
    assert main(["train", str(corpus_file), "--out", str(out), *TINY]) == 0
    capsys.readouterr()
    return out


def test_resume_refuses_another_documents_mode(stream_run: Path, capsys) -> None:
    assert main(["train", "--out", str(stream_run), "--resume", "--documents", "lines"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert str(stream_run) in err and "documents stream, not lines" in err and "cannot change" in err


def test_resume_takes_the_runs_own_documents_mode(stream_run: Path) -> None:
    assert resume_spec(stream_run, documents="stream").documents == "stream"


def test_resume_refuses_an_rnn_the_run_never_had(stream_run: Path, capsys) -> None:
    assert main(["train", "--out", str(stream_run), "--resume", "--compare-rnn"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "trained without one" in err, err


def test_a_pair_whose_rnn_checkpoint_is_gone_resumes_without_it_and_says_so(
    corpus_file: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "pair"
    assert main(["train", str(corpus_file), "--out", str(out), "--compare-rnn", *TINY]) == 0
    for saved in (out / "rnn").glob("checkpoint*.safetensors"):
        saved.unlink()
    events: list[Event] = []
    prepared = prepare_run(resume_spec(out), on_event=events.append)
    prepared.release()
    said = [e.message for e in events if isinstance(e, WarningEvent)]
    assert [t.name for t in prepared.trainers] == ["lstm"]
    assert any("vanilla RNN has no checkpoint" in m and str(out / "rnn") in m for m in said), said


def test_a_pair_with_only_its_previous_rnn_checkpoint_keeps_its_rnn(
    corpus_file: Path, tmp_path: Path
) -> None:
    # A kill between a save's two renames leaves only the previous file: still the run's RNN.
    out = tmp_path / "pair"
    assert main(["train", str(corpus_file), "--out", str(out), "--compare-rnn", *TINY]) == 0
    rnn = out / "rnn"
    shutil.move(rnn / "checkpoint.safetensors", rnn / "checkpoint-previous.safetensors")
    assert resume_spec(out).compare_rnn
