"""What sits where a checkpoint should be but is no regular file is refused at once, in one line
saying what it is: a named pipe would otherwise make ``generate`` wait for ever."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from training.checkpoints.checkpoint import CheckpointError, load_checkpoint

REPO = Path(__file__).resolve().parents[3]


def _make(kind: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "named pipe":
        os.mkfifo(path)
    else:
        path.mkdir()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes in the file system are POSIX")
@pytest.mark.parametrize("kind", ["named pipe", "folder"])
def test_generate_refuses_what_is_not_a_file_in_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "m" / "checkpoint.safetensors"
    _make(kind, path)
    command = [sys.executable, "-m", "app", "generate", str(tmp_path / "m"), "--length", "5"]
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"generate still waited on the {kind} after 60 s")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"{path} is a {kind}, not a checkpoint file" in done.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs a device file")
def test_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.safetensors"
    link.symlink_to("/dev/zero")
    with pytest.raises(CheckpointError, match="is a device, not a checkpoint file"):
        load_checkpoint(link)
