from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from training.checkpoint import load_checkpoint


@pytest.mark.skipif(shutil.which("torchrun") is None and sys.platform == "win32", reason="no torchrun")
def test_torchrun_two_processes_train_one_model(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_port",
        "29533",
        "-m",
        "app",
        "train",
        str(corpus_file),
        "--out",
        str(out),
        "--steps",
        "6",
        "--hidden",
        "16",
        "--embed",
        "8",
        "--batch",
        "2",
        "--seq-len",
        "16",
        "--json",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    done = [line for line in lines if line["event"] == "done"]
    assert len(done) == 1 and done[0]["steps"] == 6  # rank 0 alone reports
    assert load_checkpoint(out).meta.progress.step == 6
