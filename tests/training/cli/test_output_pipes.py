"""Output is never worth a run: a reader that leaves early, a descriptor closed from the start
or a log file cost no training and no save. Real processes, because pipes and descriptors are
what these are about."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from training.checkpoints.checkpoint import read_metadata

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "assets" / "demo" / "lstm"
STEPS = 100  # under a second of the tiny model, still running when its reader leaves
TINY = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16"]
CPU = ["--device", "cpu", "--precision", "fp32"]

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes, descriptors and shells")


def _train(corpus: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "app", "train", str(corpus), "--out", str(out),
        *TINY, *CPU, "--steps", str(STEPS), *extra,
    ]  # fmt: skip


def _assert_trained_to_the_end(out: Path) -> None:
    progress = read_metadata(out).progress
    assert (progress.step, progress.done) == (STEPS, True)


@posix_only
def test_a_json_reader_that_leaves_early_costs_no_training(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    proc = subprocess.Popen(
        _train(corpus_file, out, "--json"),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("{")  # the first event; then the reader is gone
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Broken pipe" not in err
    _assert_trained_to_the_end(out)


@posix_only
def test_a_progress_reader_that_leaves_early_costs_no_training(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    proc = subprocess.Popen(
        _train(corpus_file, out), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    assert proc.stderr.read(1)  # the progress has begun; then its reader is gone
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0
    _assert_trained_to_the_end(out)


@posix_only
@pytest.mark.parametrize("closed", ["2>&-", ">&- 2>&-"])
def test_training_with_closed_standard_streams_runs_and_saves(
    closed: str, corpus_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "m"
    script = f'exec "$@" {closed}'
    result = subprocess.run(
        ["sh", "-c", script, "sh", *_train(corpus_file, out)],
        cwd=REPO,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0
    _assert_trained_to_the_end(out)


@posix_only
def test_generate_with_stdout_closed_exits_cleanly() -> None:
    cmd = [sys.executable, "-m", "app", "generate", str(DEMO), "--length", "20", "--seed", "1"]
    result = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *cmd], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr) == (0, "")


@posix_only
def test_generate_into_a_reader_that_stops_early_exits_quietly() -> None:
    """`lstm-studio generate … | head -c 100`, as any Unix filter: exit 0, nothing on stderr."""
    cmd = [sys.executable, "-m", "app", "generate", str(DEMO), "--length", "100000", "--seed", "1"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert len(proc.stdout.read(100)) == 100
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (0, "")


def test_progress_in_a_log_file_is_a_few_plain_lines(corpus_file: Path, tmp_path: Path) -> None:
    log = tmp_path / "log"
    with open(log, "wb") as f:
        result = subprocess.run(_train(corpus_file, tmp_path / "m"), cwd=REPO, stdout=f, stderr=f, timeout=60)
    assert result.returncode == 0
    text = log.read_text(encoding="utf-8")
    assert "\r" not in text
    lines = text.splitlines()
    assert len(lines) < 20, text  # a line per stage and every few seconds, not one per step
    assert any(line.startswith("lstm 100%") and f"step {STEPS}" in line for line in lines), text


@posix_only
def test_a_terminal_still_gets_the_live_bar(corpus_file: Path, tmp_path: Path) -> None:
    import fcntl  # POSIX only: imported here so that collecting this file works everywhere
    import pty
    import struct
    import termios

    main_end, terminal_end = pty.openpty()
    # A new terminal is 0 columns wide, where a bar has no room: give it a usual size.
    fcntl.ioctl(terminal_end, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(
        _train(corpus_file, tmp_path / "m"), cwd=REPO, stdout=subprocess.DEVNULL, stderr=terminal_end
    )
    os.close(terminal_end)
    shown = b""
    while True:  # read as it comes: a full terminal would block the run
        try:
            chunk = os.read(main_end, 65536)
        except OSError:  # the run ended and closed its end
            break
        if not chunk:
            break
        shown += chunk
    os.close(main_end)
    assert proc.wait(timeout=60) == 0
    assert b"\r" in shown and b"|" in shown  # redrawn in place
