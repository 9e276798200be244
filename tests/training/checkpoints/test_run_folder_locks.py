"""The run lock under contention: many processes started at the same instant, each trying to
take one folder's lock, with the folder free or holding a dead process's lock; exactly one
wins every time. Lock files whose JSON lies (a reused pid, garbage, another host) are judged
by the OS lock, not by what they say."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from multiprocessing.synchronize import Barrier
from pathlib import Path
from queue import Queue

import pytest

from tests.lock_holder import lock_held_elsewhere
from training.checkpoints.run_lock import LOCK_NAME, RunLock, RunLockedError

REPO = Path(__file__).resolve().parents[3]
PROCESSES = 8
TRIALS = 20
# Spawned, not forked: the children start from nothing, as separate `lstm-studio` runs do.
CONTEXT = multiprocessing.get_context("spawn")


def _contend(folders: list[str], barrier: Barrier, results: Queue) -> None:
    """One contender: at each folder, wait for the others, try the lock, say whether it won."""
    for folder in folders:
        lock = RunLock(Path(folder))
        barrier.wait(timeout=60)
        with contextlib.suppress(RunLockedError):
            lock.acquire()
        results.put((folder, lock.held))
        barrier.wait(timeout=60)  # every process has tried before the winner lets go
        lock.release()


def _pass_around(folder: str, rounds: int, barrier: Barrier, results: Queue) -> None:
    """Take the folder's lock whenever it is free, and check nobody else has it meanwhile."""
    marker = Path(folder) / "owner"
    won = overlaps = 0
    barrier.wait(timeout=60)
    for _ in range(rounds):
        lock = RunLock(Path(folder))
        try:
            lock.acquire()
        except RunLockedError:
            continue
        won += 1
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            overlaps += 1  # another process holds the lock at the same time
        else:
            time.sleep(0.001)
            marker.unlink()
        lock.release()
    results.put((won, overlaps))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _write_lock(folder: Path, *, pid: int, host: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    owner = {"pid": pid, "host": host or socket.gethostname(), "started": time.time() - 3600}
    path.write_text(json.dumps(owner), encoding="utf-8")
    return path


@pytest.mark.parametrize("stale", [False, True], ids=["free folder", "dead owner's lock"])
def test_exactly_one_of_many_processes_started_together_gets_the_lock(tmp_path: Path, stale: bool) -> None:
    folders = [str(tmp_path / f"trial-{i}") for i in range(TRIALS)]
    if stale:
        dead = _dead_pid()
        for folder in folders:
            _write_lock(Path(folder), pid=dead)
    barrier = CONTEXT.Barrier(PROCESSES)
    results = CONTEXT.Queue()
    processes = [CONTEXT.Process(target=_contend, args=(folders, barrier, results)) for _ in range(PROCESSES)]
    for p in processes:
        p.start()
    try:
        tries = [results.get(timeout=120) for _ in range(PROCESSES * TRIALS)]
    finally:
        for p in processes:
            p.join(timeout=30)
    winners = Counter(folder for folder, won in tries if won)
    assert {folder: winners[folder] for folder in folders} == dict.fromkeys(folders, 1)
    assert all(p.exitcode == 0 for p in processes)
    assert not any((Path(folder) / LOCK_NAME).exists() for folder in folders)  # all let go


def test_a_folder_passed_from_process_to_process_never_has_two_owners(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    barrier = CONTEXT.Barrier(PROCESSES)
    results = CONTEXT.Queue()
    processes = [
        CONTEXT.Process(target=_pass_around, args=(str(folder), 500, barrier, results))
        for _ in range(PROCESSES)
    ]
    for p in processes:
        p.start()
    try:
        counts = [results.get(timeout=120) for _ in range(PROCESSES)]
    finally:
        for p in processes:
            p.join(timeout=30)
    assert sum(won for won, _ in counts) > PROCESSES  # the folder did change hands
    assert sum(overlap for _, overlap in counts) == 0


def test_a_lock_whose_pid_now_belongs_to_another_program_is_taken_over(tmp_path: Path) -> None:
    other_program = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        _write_lock(tmp_path / "m", pid=other_program.pid)
        with RunLock(tmp_path / "m") as lock:
            owner = json.loads((tmp_path / "m" / LOCK_NAME).read_text(encoding="utf-8"))
            assert lock.held and owner["pid"] == os.getpid()
    finally:
        other_program.kill()
        other_program.wait()


def test_a_held_lock_is_refused_whatever_its_file_says(tmp_path: Path) -> None:
    out = tmp_path / "m"
    with lock_held_elsewhere(out):
        (out / LOCK_NAME).write_text("not json", encoding="utf-8")  # damaged, or half-written
        with pytest.raises(RunLockedError, match="another LSTM Studio process is training"):
            RunLock(out).acquire()
        assert (out / LOCK_NAME).read_text(encoding="utf-8") == "not json"  # left alone


def test_another_hosts_lock_is_refused_with_its_path_and_the_way_to_take_it_over(tmp_path: Path) -> None:
    path = _write_lock(tmp_path / "m", pid=4242, host="an-old-container")
    with pytest.raises(RunLockedError) as refused:
        RunLock(tmp_path / "m").acquire()
    message = str(refused.value)
    assert str(path) in message and "an-old-container" in message and "pid 4242" in message
    assert "not running on this machine" in message and "--take-over-lock" in message
    assert "\n" not in message
    with RunLock(tmp_path / "m", take_over=True) as lock:
        assert lock.held
        assert json.loads(path.read_text(encoding="utf-8"))["host"] == socket.gethostname()
    assert not path.exists()


def test_a_pairs_lock_covers_both_folders_and_is_all_or_nothing(tmp_path: Path) -> None:
    out = tmp_path / "m"
    with RunLock(out, also=(out / "rnn",)), pytest.raises(RunLockedError):
        RunLock(out / "rnn").acquire()
    with RunLock(out / "rnn"):
        pair = RunLock(out, also=(out / "rnn",))
        with pytest.raises(RunLockedError):
            pair.acquire()
        assert not pair.held and not (out / LOCK_NAME).exists()  # took nothing
