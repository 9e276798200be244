"""Data-parallel training under torchrun, with gloo on the CPU: a few tiny steps each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors.torch import load_file

from training.checkpoints.checkpoint import load_checkpoint
from training.cli import main

ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).resolve().parent / "ddp_worker.py"
TINY = ["--hidden", "16", "--embed", "8", "--batch", "2", "--seq-len", "16", "--dropout", "0"]
# Adam moves a weight by about the learning rate (here 7e-3) a step, whatever its gradient;
# rows scored in a different order differ only by float rounding (about 1e-7 relative), so
# 1e-4 is well below what one wrongly laid-out row would cause and well above rounding.
TOLERANCE = 1e-4

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="torchrun with gloo: Linux and macOS")


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}


def _torchrun(*args: str, procs: int = 2, extra: tuple[str, ...] = ()) -> list[str]:
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",  # a free port of its own: tests running side by side do not collide
        "--nproc-per-node",
        str(procs),
        *extra,
        *args,
    ]


def test_two_processes_take_the_steps_of_one_process_with_the_global_batch(
    corpus_file: Path, tmp_path: Path
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    alone = [sys.executable, str(WORKER), str(corpus_file), str(one), "8", "6"]
    subprocess.run(alone, check=True, env=_env(), timeout=300)
    result = subprocess.run(
        _torchrun(str(WORKER), str(corpus_file), str(two), "4", "6"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    single = load_file(one / "params-rank0.safetensors")
    rank0 = load_file(two / "params-rank0.safetensors")
    rank1 = load_file(two / "params-rank1.safetensors")
    for name, expected in single.items():
        assert (rank0[name] == rank1[name]).all(), name  # DDP keeps the ranks identical
        assert (rank0[name] - expected).abs().max() <= TOLERANCE, name
    assert load_checkpoint(two).meta.progress.step == 6  # rank 0 alone wrote the checkpoint


def test_resume_with_a_different_number_of_processes(corpus_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["train", str(corpus_file), "--out", str(out), "--steps", "4", "--json", *TINY]) == 0
    capsys.readouterr()
    cmd = _torchrun("-m", "app", "train", "--out", str(out), "--resume", "--steps", "8", "--json")
    result = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert load_checkpoint(out).meta.progress.step == 8
    notes = [json.loads(line)["message"] for line in result.stdout.splitlines() if '"note"' in line]
    said = "trained on 1 process, now on 2: a step now takes 4 sequences where it took 2"
    said += "; --batch 1 keeps it at 2"
    assert said in notes
    assert load_checkpoint(out).meta.progress.processes == 2
    assert main(["train", "--out", str(out), "--resume", "--steps", "10", "--json"]) == 0
    done = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert done["steps"] == 10 and load_checkpoint(out).meta.progress.step == 10


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _rank_of(pid: int) -> str | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    ranks = [v[5:].decode() for v in environ if v.startswith(b"RANK=")]
    return ranks[0] if ranks else None


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the ranks through /proc")
def test_a_killed_rank_restarts_the_job_from_the_last_checkpoint(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    steps = 1500
    cmd = _torchrun(
        "-m",
        "app",
        "train",
        str(corpus_file),
        "--out",
        str(out),
        "--steps",
        str(steps),
        "--checkpoint-every",
        "0.3",
        "--json",
        *TINY,
        extra=("--max-restarts", "1"),
    )
    pipe = subprocess.PIPE
    job = subprocess.Popen(cmd, stdout=pipe, stderr=pipe, text=True, env=_env(), cwd=ROOT)
    try:
        deadline = time.monotonic() + 240
        while not (out / "checkpoint.safetensors").exists():
            assert time.monotonic() < deadline and job.poll() is None, "no checkpoint appeared"
            time.sleep(0.1)
        victims = [p for p in _children(job.pid) if _rank_of(p) == "1"]
        assert victims, "rank 1 not found"
        os.kill(victims[0], signal.SIGKILL)
        stdout, stderr = job.communicate(timeout=300)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode == 0, stderr[-2000:]
    # Each start of the job begins by reading the corpus; what follows is that start's steps.
    starts: list[list[int]] = []
    for event in map(json.loads, stdout.splitlines()):
        if event.get("event") == "ingest" and (not starts or starts[-1]):  # the first since steps
            starts.append([])
        elif event.get("event") == "step":
            starts[-1].append(event["step"])
    assert len(starts) == 2 and starts[0][0] == 1, [s[:3] for s in starts]
    assert starts[1][0] > 1  # the restarted job went on from its checkpoint, not from step 1
    assert load_checkpoint(out).meta.progress.step == steps


def test_the_others_wait_for_a_build_longer_than_the_collective_timeout(
    corpus_file: Path, tmp_path: Path
) -> None:
    # The first process reads the corpus for 6 s; the collectives time out after 2 s.
    result = subprocess.run(
        _torchrun(str(WORKER), str(corpus_file), str(tmp_path / "slow"), "4", "4", "6", "2"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    # torchrun's own summary ends stderr: what a worker said before it failed comes first
    assert result.returncode == 0, result.stderr[-8000:]
    assert (tmp_path / "slow" / "params-rank1.safetensors").is_file()


def test_a_wait_past_its_limit_says_how_to_wait_longer(corpus_file: Path, tmp_path: Path) -> None:
    env = {**_env(), "LSTM_STUDIO_BUILD_WAIT_S": "1"}
    result = subprocess.run(
        _torchrun(str(WORKER), str(corpus_file), str(tmp_path / "slow"), "4", "4", "8"),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode != 0
    assert "LSTM_STUDIO_BUILD_WAIT_S" in result.stderr
