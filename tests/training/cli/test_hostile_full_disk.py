"""A disk that fills while `generate --output` or `export` writes: the error names the file, and
no half-written file is left behind. Real processes, with the disk made full inside them: every
file opened for writing under one folder takes some bytes, then fails as a full disk does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "assets" / "demo" / "lstm"

# Run as `python full_disk.py FOLDER ROOM -- lstm-studio arguments`: a file opened for writing
# under FOLDER takes ROOM bytes (characters, for text), then every write fails with ENOSPC.
FULL_DISK = """
import builtins, errno, io, os, sys

folder, room = os.path.realpath(sys.argv[1]), int(sys.argv[2])
real_open = builtins.open


class FullDisk:
    def __init__(self, file):
        self._file, self._left = file, room

    def write(self, data):
        if len(data) > self._left:
            self._file.write(data[: self._left])
            self._file.flush()
            self._left = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._left -= len(data)
        return self._file.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()

    def __getattr__(self, name):
        return getattr(self._file, name)


def filling_open(file, mode="r", *args, **kwargs):
    opened = real_open(file, mode, *args, **kwargs)
    writing = any(flag in mode for flag in "wxa+")
    inside = isinstance(file, (str, os.PathLike)) and os.path.realpath(file).startswith(folder + os.sep)
    return FullDisk(opened) if writing and inside else opened


real_fdopen = os.fdopen


def filling_fdopen(fd, mode="r", *args, **kwargs):
    # Checkpoints are written through a temp file's descriptor: its name is found in /proc.
    opened = real_fdopen(fd, mode, *args, **kwargs)
    name = os.readlink(f"/proc/self/fd/{fd}")
    inside = "w" in mode and name.startswith(folder + os.sep)
    return FullDisk(opened) if inside else opened


builtins.open = io.open = filling_open
os.fdopen = filling_fdopen
from training.cli import main

sys.exit(main(sys.argv[sys.argv.index("--") + 1 :]))
"""


def _run_on_full_disk(tmp_path: Path, folder: Path, room: int, *args: str) -> subprocess.CompletedProcess:
    script = tmp_path / "full_disk.py"
    script.write_text(FULL_DISK, encoding="utf-8")
    command = [sys.executable, str(script), str(folder), str(room), "--", *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180)


def _assert_says_disk_full(proc: subprocess.CompletedProcess, path: Path) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert f"cannot write {path}: the disk is full" in proc.stderr, proc.stderr
    assert "free some space or write elsewhere" in proc.stderr


def test_generate_output_on_a_full_disk_names_the_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "samples.txt"
    output.write_text("the samples of yesterday\n", encoding="utf-8")
    proc = _run_on_full_disk(
        tmp_path, folder, 20,
        "generate", str(DEMO), "--prompt", "a", "--length", "60", "--num-samples", "2",
        "--seed", "1", "--output", str(output),
    )  # fmt: skip
    _assert_says_disk_full(proc, output)
    assert output.read_text(encoding="utf-8") == "the samples of yesterday\n"
    assert [p.name for p in folder.iterdir()] == ["samples.txt"]  # no half-written file beside it


def test_generate_output_on_a_full_disk_leaves_no_file_where_there_was_none(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "samples.jsonl"
    proc = _run_on_full_disk(
        tmp_path, folder, 20,
        "generate", str(DEMO), "--prompt", "a", "--length", "60", "--json", "--seed", "1",
        "--output", str(output),
    )  # fmt: skip
    _assert_says_disk_full(proc, output)
    assert list(folder.iterdir()) == []


def test_export_on_a_full_disk_names_the_file_and_leaves_no_partial_one(tmp_path: Path) -> None:
    folder = tmp_path / "onnx"
    proc = _run_on_full_disk(tmp_path, folder, 1000, "export", str(DEMO), str(folder))
    _assert_says_disk_full(proc, folder / "step.onnx")
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="/dev/stdout")
def test_generate_output_to_a_device_is_written_straight_to_it(tmp_path: Path) -> None:
    # A device is no file to replace: the text goes to it, as it always did.
    command = [
        sys.executable, "-m", "app", "generate", str(DEMO), "--prompt", "a", "--length", "20",
        "--seed", "1", "--num-samples", "2", "--output", "/dev/stdout",
    ]  # fmt: skip
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("--- sample ") == 2 and "2 sample(s) written to /dev/stdout" in proc.stderr


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds the temp file's name in /proc")
def test_a_run_that_never_saved_says_so_and_where(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a small text for a run whose disk is full. " * 120, encoding="utf-8")
    out = tmp_path / "run"
    out.mkdir()
    proc = _run_on_full_disk(
        tmp_path, out, 100,
        "train", str(corpus), "--out", str(out), "--steps", "3",
        "--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16",
    )  # fmt: skip
    assert proc.returncode == 4, proc.stderr
    assert proc.stdout.rstrip().endswith("-> not saved"), proc.stdout
    assert "the last checkpoint stands" not in proc.stderr
    said = f"lstm was not saved: could not save into {out}: No space left on device; nothing is saved yet"
    assert said in proc.stderr
    assert "train again with --out on a disk that has room" in proc.stderr
    assert [p.name for p in out.iterdir() if p.name.startswith(".checkpoint-")] == []
