"""Trains the tiny model alone or as one process under torchrun, for the distributed tests,
and writes this process's parameters to OUT/params-rank<R>.safetensors.

    python tests/training/runtime/ddp_worker.py CORPUS OUT BATCH STEPS
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from safetensors.torch import save_file

from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.loop.run_loop import train_models
from training.run import prepare_run
from training.run_spec import RunSpec


def main() -> None:
    corpus, out, batch, steps = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    spec = RunSpec(
        paths=(corpus,),
        out_dir=out,
        model_options={**TINY_MODEL, "dropout": 0.0},  # no random masks: every rank computes alike
        train_options={**TINY_TRAIN, "steps": steps, "batch_size": batch, "precision": "fp32"},
    )
    prepared = prepare_run(spec)
    train_models(prepared.trainers)
    weights = prepared.trainers[0].model.state_dict()
    rank = os.environ.get("RANK", "0")
    save_file({k: v.detach().clone() for k, v in weights.items()}, out / f"params-rank{rank}.safetensors")


if __name__ == "__main__":
    main()
