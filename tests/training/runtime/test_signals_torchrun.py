"""A signal sent to one process of a torchrun job stops the whole job cleanly, and a process
that dies is named in one line by the others: real torchrun jobs of two tiny CPU processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from training.checkpoints.checkpoint import read_metadata
from training.cli import exit_codes

ROOT = Path(__file__).resolve().parents[3]
TINY = ["--hidden", "16", "--embed", "8", "--batch", "2", "--seq-len", "16", "--dropout", "0"]

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="torchrun with gloo: Linux and macOS"),
    pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the ranks through /proc"),
]


def _start_job(corpus: Path, out: Path) -> subprocess.Popen[str]:
    """A run far longer than the test, saving every 0.3 s."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    cmd += ["-m", "app", "train", str(corpus), "--out", str(out), "--steps", "100000"]
    cmd += ["--checkpoint-every", "0.3", *TINY]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    env.pop("LSTM_STUDIO_DEBUG", None)
    pipe = subprocess.PIPE
    return subprocess.Popen(cmd, stdout=pipe, stderr=pipe, text=True, env=env, cwd=ROOT)


def _wait_for_checkpoint(job: subprocess.Popen[str], out: Path) -> int:
    """The step of the job's first checkpoint, once there is one."""
    deadline = time.monotonic() + 240
    while not (out / "checkpoint.safetensors").exists():
        assert time.monotonic() < deadline and job.poll() is None, "no checkpoint appeared"
        time.sleep(0.1)
    return read_metadata(out).progress.step


def _rank_pid(job: subprocess.Popen[str], rank: str) -> int:
    """The pid of the job's process of that rank: a child of torchrun with RANK in its environment."""
    for entry in Path("/proc").iterdir():
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if parent == job.pid and f"RANK={rank}".encode() in environ:
            return int(entry.name)
    raise AssertionError(f"rank {rank} not found")


def _signal_rank_one(job: subprocess.Popen[str], out: Path, signum: int) -> tuple[int, str]:
    """Send rank 1 the signal after the first checkpoint: (that checkpoint's step, stderr)."""
    try:
        saved_before = _wait_for_checkpoint(job, out)
        os.kill(_rank_pid(job, "1"), signum)
        _, stderr = job.communicate(timeout=120)
    finally:
        if job.poll() is None:
            job.kill()
    return saved_before, stderr


def test_sigterm_to_one_rank_stops_every_rank_and_saves(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    saved_before, stderr = _signal_rank_one(_start_job(corpus_file, out), out, signal.SIGTERM)
    progress = read_metadata(out).progress
    assert progress.step > saved_before and not progress.done, stderr[-3000:]
    # Rank 0 says where the run stopped; torchrun's report shows each process ending with the
    # signal's code, not one of them failing.
    assert f"lstm-studio: stopped by SIGTERM at step {progress.step}; resume with --resume" in stderr
    code = exit_codes.stopped_by(signal.SIGTERM)
    assert stderr.count(f"exitcode  : {code} ") == 2, stderr[-3000:]
    assert "gloo" not in stderr.lower() and "unexpected error" not in stderr, stderr[-3000:]


def test_a_killed_rank_is_named_in_one_line(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    saved_before, stderr = _signal_rank_one(_start_job(corpus_file, out), out, signal.SIGKILL)
    said = [line for line in stderr.splitlines() if line.startswith("lstm-studio:")]
    # torchrun sends the survivor SIGTERM once it sees rank 1 gone; when that comes before the
    # survivor's next collective finds the peer gone, the survivor first says it is stopping.
    if said[:1] == ["lstm-studio: SIGTERM: stopping after this step and saving…"]:
        said = said[1:]
    assert said == [
        "lstm-studio: error: another process of the run stopped (rank 1); the last checkpoint "
        "stands; restart with the same torchrun command and --resume (torchrun --max-restarts "
        "does it by itself)"
    ], stderr[-3000:]
    assert "gloo" not in stderr.lower(), stderr[-3000:]
    assert read_metadata(out).progress.step >= saved_before
