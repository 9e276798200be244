"""A run trained on a corpus named by a relative path resumes from any working folder, and a
corpus that is gone is named where the run read it, with the way to name it again. Real
processes, each started in its own working folder, as a person's shell would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_text
from training.checkpoints.checkpoint import read_metadata

REPO = Path(__file__).resolve().parents[3]
TINY = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16"]
CPU = ["--device", "cpu", "--precision", "fp32"]


def _studio(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`lstm-studio ARGS` started in `cwd`, running this checkout's code."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "app", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def _trained_from(home: Path, run: Path) -> Path:
    """A run trained in `home` on "data/corpus.txt", named relative to it."""
    (home / "data").mkdir(parents=True)
    (home / "data" / "corpus.txt").write_text(make_text(), encoding="utf-8")
    proc = _studio(home, "train", "data/corpus.txt", "--out", str(run), *TINY, *CPU, "--steps", "2")
    assert proc.returncode == 0, proc.stderr
    return home / "data" / "corpus.txt"


def test_a_run_on_a_relative_corpus_resumes_from_another_folder(tmp_path: Path) -> None:
    run, elsewhere = tmp_path / "runs" / "m", tmp_path / "elsewhere"
    elsewhere.mkdir()
    _trained_from(tmp_path / "home", run)
    proc = _studio(elsewhere, "train", "--out", str(run), "--resume", "--steps", "4", *CPU)
    assert proc.returncode == 0, proc.stderr
    assert read_metadata(run).progress.step == 4


def test_a_copied_run_resumes_on_its_corpus_from_another_folder(tmp_path: Path) -> None:
    run, copied, elsewhere = tmp_path / "runs" / "m", tmp_path / "copies" / "m", tmp_path / "elsewhere"
    elsewhere.mkdir()
    _trained_from(tmp_path / "home", run)
    shutil.copytree(run, copied)
    proc = _studio(elsewhere, "train", "--out", str(copied), "--resume", "--steps", "4", *CPU)
    assert proc.returncode == 0, proc.stderr
    assert read_metadata(copied).progress.step == 4


def test_a_gone_corpus_is_named_where_the_run_read_it_and_can_be_named_again(tmp_path: Path) -> None:
    run, elsewhere = tmp_path / "runs" / "m", tmp_path / "elsewhere"
    elsewhere.mkdir()
    corpus = _trained_from(tmp_path / "home", run)
    moved = corpus.rename(tmp_path / "moved.txt")
    proc = _studio(elsewhere, "train", "--out", str(run), "--resume", "--steps", "4", *CPU)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert f"its corpus file {corpus} is missing" in proc.stderr, proc.stderr
    assert f"lstm-studio train PATH... --out {run} --resume" in proc.stderr
    # Named again, from any folder: the run goes on, its text checked against the one it learnt.
    proc = _studio(elsewhere, "train", str(moved), "--out", str(run), "--resume", "--steps", "4", *CPU)
    assert proc.returncode == 0, proc.stderr
    assert read_metadata(run).progress.step == 4
