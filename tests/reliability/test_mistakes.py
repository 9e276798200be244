"""Mistakes a person makes and faults a machine has: each gets a clear message, and nothing
already saved is lost."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.lock_holder import lock_held_elsewhere
from training.checkpoints import checkpoint_io
from training.checkpoints.checkpoint import load_checkpoint
from training.checkpoints.run_lock import LOCK_NAME, RunLock, RunLockedError
from training.cli import main
from training.common.control import TrainingControl
from training.common.events import Event, SaveFailedEvent
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.run import prepare_run
from training.run_spec import RunSpec

REPO = Path(__file__).resolve().parents[2]
TINY_ARGS = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16"]


def _spec(corpus: Path, out: Path, **train: object) -> RunSpec:
    options = {**TINY_TRAIN, "steps": 6, "first_checkpoint_s": 0.0, "checkpoint_every_s": 0.0, **train}
    return RunSpec(paths=(str(corpus),), out_dir=out, model_options=TINY_MODEL, train_options=options)


@pytest.mark.parametrize(
    "fault",
    [OSError(errno.ENOSPC, "No space left on device"), PermissionError(errno.EACCES, "Permission denied")],
)
def test_a_failed_save_is_named_training_goes_on_and_the_old_checkpoint_stays(
    corpus_file: Path, tmp_path: Path, monkeypatch, fault: OSError
) -> None:
    out = tmp_path / "m"
    events: list[Event] = []
    prepared = prepare_run(_spec(corpus_file, out), on_event=events.append)
    trainer = prepared.trainers[0]
    trainer.train_step()  # saves step 1
    before = (out / "checkpoint.safetensors").read_bytes()

    def full_disk(*_a: object) -> None:
        raise fault

    monkeypatch.setattr(checkpoint_io, "write_atomically", full_disk)
    trainer.train_step()
    trainer.train_step()
    failures = [e for e in events if isinstance(e, SaveFailedEvent)]
    assert len(failures) == 2 and failures[0].folder == str(out)
    assert str(out) in failures[0].message and fault.strerror in failures[0].message
    assert trainer.step == 3  # training went on, in memory
    assert (out / "checkpoint.safetensors").read_bytes() == before  # the old one intact

    # Saving elsewhere takes the state in memory there.
    monkeypatch.undo()
    control = TrainingControl()
    control.save_elsewhere(tmp_path / "elsewhere")
    results = prepared.train(control)
    assert results[0].saved and Path(results[0].checkpoint).parent == tmp_path / "elsewhere"
    assert load_checkpoint(tmp_path / "elsewhere").meta.progress.step == 6


def test_the_cli_exits_4_when_the_final_save_fails(
    corpus_file: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    def full_disk(*_a: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint_io, "write_atomically", full_disk)
    assert main(["train", str(corpus_file), "--out", str(tmp_path / "m"), *TINY_ARGS, "--steps", "2"]) == 4
    assert "No space left on device" in capsys.readouterr().err


def test_resume_on_other_text_is_refused_unless_allowed(corpus_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "m"
    assert main(["train", str(corpus_file), "--out", str(out), *TINY_ARGS, "--steps", "3"]) == 0
    other = tmp_path / "other.txt"
    other.write_text("Привет, мир! これは日本語の文です。" * 80, encoding="utf-8")
    capsys.readouterr()
    assert main(["train", str(other), "--out", str(out), "--resume", "--steps", "5"]) == 2
    err = capsys.readouterr().err
    assert (
        "cannot resume" in err and "corpus.txt" in err and "other.txt" in err and "--allow-new-corpus" in err
    )
    allowed = [
        "train",
        str(other),
        "--out",
        str(out),
        "--resume",
        "--steps",
        "5",
        "--allow-new-corpus",
        "--json",
    ]
    assert main(allowed) == 0
    out_text = capsys.readouterr().out
    assert "of its tokens are <unk>" in out_text and "100.0%" not in out_text.split("<unk>")[0][-12:]


def test_a_second_process_is_refused_and_a_dead_ones_lock_taken_over(
    corpus_file: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "m"
    with lock_held_elsewhere(out) as holder:
        assert main(["train", str(corpus_file), "--out", str(out), *TINY_ARGS, "--steps", "2"]) == 2
        err = capsys.readouterr().err
        assert str(out) in err and f"pid {holder.pid}" in err
        with pytest.raises(RunLockedError):
            RunLock(out).acquire()
    # The holder died without letting go: its lock is stale and is taken over.
    assert (out / LOCK_NAME).exists()
    assert main(["train", str(corpus_file), "--out", str(out), *TINY_ARGS, "--steps", "2"]) == 0
    assert not (out / LOCK_NAME).exists()  # released when the run ended


def test_out_of_memory_is_a_clear_message_and_nothing_is_saved(
    corpus_file: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    from training.loop.trainer import Trainer

    out = tmp_path / "m"
    assert main(["train", str(corpus_file), "--out", str(out), *TINY_ARGS, "--steps", "2"]) == 0
    before = (out / "checkpoint.safetensors").read_bytes()

    def no_memory(*_a: object) -> None:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(Trainer, "_forward_backward", no_memory)
    capsys.readouterr()
    assert main(["train", "--out", str(out), "--resume", "--steps", "4"]) == 5
    err = capsys.readouterr().err.strip()
    assert "out of memory at step 3" in err and "--batch 2" in err and "\n" not in err
    assert (out / "checkpoint.safetensors").read_bytes() == before
    assert not (out / LOCK_NAME).exists()


def test_a_console_that_cannot_show_the_text_gets_replacements(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "LANG": "C"}
    demo = REPO / "assets" / "demo" / "lstm"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "generate",
            str(demo),
            "--prompt",
            "Привет",
            "--length",
            "20",
            "--seed",
            "1",
        ],
        cwd=REPO,
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("cp1252").startswith("??????")
    out_file = tmp_path / "out.txt"
    to_file = [*result.args, "--output", str(out_file)]
    written = subprocess.run(to_file, cwd=REPO, capture_output=True, env=env, timeout=120)
    assert written.returncode == 0, written.stderr
    assert "Привет" in out_file.read_text(encoding="utf-8")  # the file has the exact text


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["train", "c.txt", "--out", "m", "--hidden", "-4"], "--hidden: must be a positive whole number"),
        (["train", "c.txt", "--out", "m", "--batch", "0"], "--batch: must be a positive whole number"),
        (["train", "c.txt", "--out", "m", "--lr", "nan"], "--lr: must be a finite number"),
        (["train", "c.txt", "--out", "m", "--dropout", "1.5"], "--dropout: must be at least 0 and below 1"),
        (["train", "c.txt", "--out", "m", "--minutes", "-1"], "--minutes: must be a positive number"),
        (["generate", "m", "--temperature", "0"], "--temperature: must be a positive number"),
        (["generate", "m", "--top-p", "1.5"], "--top-p: must be above 0 and at most 1"),
        (["generate", "m", "--length", "1000000000"], "--length: must be at most 1,000,000"),
        (["generate", "m", "--top-k", "-1"], "--top-k: must be a non-negative whole number"),
    ],
)
def test_out_of_range_settings_are_one_clear_line(argv: list[str], needle: str, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1
