"""DistributedDataParallel with NCCL on one GPU, under torchrun."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from tests.cuda.ddp_nccl_worker import build_trainer
from tests.cuda.needs import needs_cuda
from training.checkpoints.checkpoint import load_checkpoint
from training.loop.run_loop import train_models

pytestmark = needs_cuda

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).resolve().parent / "ddp_nccl_worker.py"
# A group of one averages each gradient over one rank: the same update as training alone,
# up to the order GPU kernels sum in. Adam moves a weight by about the learning rate a step,
# far above this; rounding stays far below it.
TOLERANCE = 1e-4


def _torchrun(corpus: Path, out: Path, budget: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    run = [*cmd, str(WORKER), str(corpus), str(out), budget]
    return subprocess.run(run, capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)


def test_ddp_with_nccl_takes_the_steps_of_training_alone(corpus_file: Path, tmp_path: Path) -> None:
    result = _torchrun(corpus_file, tmp_path / "ddp", "steps=12")
    assert result.returncode == 0, result.stderr[-3000:]
    alone = build_trainer(corpus_file, tmp_path / "alone", {"steps": 12})
    train_models([alone])
    ddp = load_file(tmp_path / "ddp" / "params.safetensors")
    for name, value in alone.model.state_dict().items():
        assert (ddp[name] - value.cpu()).abs().max().item() <= TOLERANCE, name
    assert load_checkpoint(tmp_path / "ddp").meta.progress.step == 12


def test_a_time_budget_under_ddp_ends_where_rank_0_says(corpus_file: Path, tmp_path: Path) -> None:
    result = _torchrun(corpus_file, tmp_path / "timed", "minutes=0.05")
    assert result.returncode == 0, result.stderr[-3000:]
    progress = load_checkpoint(tmp_path / "timed").meta.progress
    assert progress.done and progress.step > 0 and progress.train_seconds >= 3.0
    assert torch.isfinite(load_file(tmp_path / "timed" / "params.safetensors")["head.weight"]).all()
