"""A model too large for memory ends ``lstm-studio train`` as a step that runs out of memory
does: exit code 5 and one line naming the model's size, in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from training.cli import exit_codes

ROOT = Path(__file__).resolve().parents[3]
# Weights of 4·H² floats for the recurrent matrix alone: 256 TB, beyond any machine's memory and
# beyond a 47-bit address space, so the allocator refuses at once whatever its overcommit policy.
HIDDEN = 4_000_000


def test_a_model_too_large_for_memory_exits_5_with_one_line(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "app", "train", str(corpus_file), "--out", str(out)]
    cmd += ["--hidden", str(HIDDEN), "--steps", "2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    env.pop("LSTM_STUDIO_DEBUG", None)
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert result.returncode == exit_codes.OUT_OF_MEMORY, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    said = lines[0]
    assert said.startswith("lstm-studio: error: lstm: out of memory building the model"), said
    assert "parameters need 256.0 TB" in said and f"--hidden {HIDDEN // 2}" in said, said
    assert "allocate" not in said  # the allocator's own words are not what a person reads
