"""A signal that comes once the budget is used up, during the final validation and save, does
not turn a finished run into a stopped one: it exits 0 and does not ask to be resumed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from training.checkpoints.checkpoint import read_metadata

REPO = Path(__file__).resolve().parents[3]
TINY = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16", "--steps", "3"]

# `lstm-studio train` in a process of its own that sends itself SIGTERM at a chosen moment: a
# signal from outside could not be timed to land between the last step and the end.
SIGNAL_AT = """
import os, signal, sys
from training.cli import main
from training.loop.trainer import Trainer

moment = sys.argv[1]
train_step, finish = Trainer.train_step, Trainer.finish

def step_then_signal(self):
    train_step(self)
    if moment == "after the last step" and self.done:
        os.kill(os.getpid(), signal.SIGTERM)

def signal_then_finish(self, reason="completed"):
    if moment == "during the final save":
        os.kill(os.getpid(), signal.SIGTERM)
    return finish(self, reason)

Trainer.train_step, Trainer.finish = step_then_signal, signal_then_finish
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("moment", ["after the last step", "during the final save"])
def test_sigterm_after_the_budget_is_used_up_exits_0(corpus_file: Path, tmp_path: Path, moment: str) -> None:
    out = tmp_path / "m"
    command = [sys.executable, "-c", SIGNAL_AT, moment, "train", str(corpus_file), "--out", str(out), *TINY]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert "SIGTERM" in done.stderr, done.stderr  # the signal did arrive
    assert done.returncode == 0, done.stderr
    assert "resume with --resume" not in done.stderr and "the run is complete" in done.stderr
    meta = read_metadata(out)
    assert meta.progress.done and meta.progress.step == 3
