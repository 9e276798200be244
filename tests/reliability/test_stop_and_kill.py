"""A stopped or killed run costs at most a step (signals) or the time since its last
checkpoint (SIGKILL), and what is on disk always loads."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from training.checkpoints.checkpoint import load_checkpoint, read_metadata
from training.checkpoints.checkpoint_io import previous_path
from training.common.config import TrainConfig
from training.common.events import CheckpointEvent, Event
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.run import prepare_run
from training.run_spec import RunSpec

REPO = Path(__file__).resolve().parents[2]
TINY_ARGS = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16"]


def _start_training(corpus: Path, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "app", "train", str(corpus), "--out", str(out), "--json", *TINY_ARGS, *extra]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for_event(proc: subprocess.Popen, kind: str, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        event = json.loads(line)
        if event["event"] == kind:
            return event
    proc.kill()
    raise AssertionError(f"no {kind} event; stderr: {proc.stderr.read() if proc.stderr else ''}")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_stops_within_a_step_saves_and_exits_with_its_code(
    corpus_file: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "m"
    proc = _start_training(corpus_file, out, "--minutes", "5")
    step = _wait_for_event(proc, "step")["step"]
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert f"stopped by {sig.name}" in err and "resume with --resume" in err
    # Heard at once, before the step, the last validation and the save that follow.
    assert err.index(f"{sig.name}: stopping after this step and saving") < err.index("stopped by")
    assert err.count("stopping after this step") == 1
    meta = read_metadata(out)
    assert meta.progress.step >= step and not meta.progress.done  # saved, and resumable


def test_the_first_checkpoint_comes_soon_and_then_regularly() -> None:
    defaults = TrainConfig()
    assert defaults.first_checkpoint_s <= 10 and defaults.checkpoint_every_s <= 30


def test_the_trainer_saves_once_the_first_interval_has_passed(corpus_file: Path, tmp_path: Path) -> None:
    events: list[Event] = []
    options = {**TINY_TRAIN, "first_checkpoint_s": 0.0, "steps": 4}
    spec = RunSpec(
        paths=(str(corpus_file),), out_dir=tmp_path / "m", model_options=TINY_MODEL, train_options=options
    )
    trainer = prepare_run(spec, on_event=events.append).trainers[0]
    trainer.train_step()
    saved = [e.step for e in events if isinstance(e, CheckpointEvent)]
    assert saved == [1]  # right after the first step
    trainer.train_step()
    assert [e.step for e in events if isinstance(e, CheckpointEvent)] == [1]  # then every 1e9 s


KILL_SCRIPT = """
import sys
from pathlib import Path
from training.run import run_training
from training.run_spec import RunSpec
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
options = {**TINY_TRAIN, "steps": 100000, "first_checkpoint_s": 0.0, "checkpoint_every_s": 0.0}
spec = RunSpec(
    paths=(sys.argv[1],), out_dir=Path(sys.argv[2]), model_options=TINY_MODEL, train_options=options
)
run_training(spec, on_event=lambda e: print(e.kind, flush=True) if e.kind == "checkpoint" else None)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("saves_before_kill", [3, 8])
def test_sigkill_during_saves_leaves_a_checkpoint_that_loads(
    corpus_file: Path, tmp_path: Path, saves_before_kill: int
) -> None:
    # Every step saves, so the kill lands inside or between saves; whichever, a checkpoint loads.
    out = tmp_path / "m"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(corpus_file), str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for _ in range(saves_before_kill):
        assert proc.stdout.readline().strip() == "checkpoint"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    loaded = load_checkpoint(out)
    assert loaded.meta.progress.step >= saves_before_kill - 1


def test_leftover_temp_files_are_ignored_then_cleaned_up(corpus_file: Path, tmp_path: Path) -> None:
    from training.cli import main

    out = tmp_path / "m"
    assert main(["train", str(corpus_file), "--out", str(out), *TINY_ARGS, "--steps", "3"]) == 0
    leftover = out / ".checkpoint-killed.tmp"
    leftover.write_bytes(b"half a checkpoint")
    assert load_checkpoint(out).meta.progress.step == 3  # ignored by the reader
    assert main(["train", "--out", str(out), "--resume", "--steps", "5"]) == 0
    assert not leftover.exists()  # the next run in the folder removed it


def test_a_kill_between_the_two_renames_still_loads(corpus_file: Path, tmp_path: Path) -> None:
    from training.cli import main

    out = tmp_path / "m"
    assert main(["train", str(corpus_file), "--out", str(out), *TINY_ARGS, "--steps", "3"]) == 0
    current = out / "checkpoint.safetensors"
    current.rename(previous_path(current))  # as if killed after the first rename
    assert load_checkpoint(out).meta.progress.step == 3


def test_a_stopped_run_scores_a_smaller_sample_than_a_completed_one(tmp_path: Path) -> None:
    import random

    from training.common.control import TrainingControl
    from training.loop.trainer_end import STOPPED_EVAL_TOKENS

    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 7))) for _ in range(400)]
    corpus = tmp_path / "corpus.txt"  # holds out about 25,000 characters
    corpus.write_text(" ".join(rng.choice(words) for _ in range(100_000)), encoding="utf-8")
    options = {**TINY_TRAIN, "steps": 50, "eval_tokens": 4 * STOPPED_EVAL_TOKENS}
    spec = RunSpec(
        paths=(str(corpus),), out_dir=tmp_path / "m", model_options=TINY_MODEL, train_options=options
    )
    prepared = prepare_run(spec)
    trainer = prepared.trainers[0]
    trainer.train_step()
    control = TrainingControl()
    control.cancel()  # a Stop: the person waits for what follows
    stopped = prepared.train(control)[0]
    assert stopped.reason == "cancelled" and stopped.saved
    assert 0 < stopped.tokens_scored <= STOPPED_EVAL_TOKENS
    completed = prepare_run(RunSpec(**{**spec.__dict__, "resume": True})).train(TrainingControl())[0]
    assert completed.reason == "completed" and completed.tokens_scored > STOPPED_EVAL_TOKENS
