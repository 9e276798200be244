"""Trains the tiny model alone or as one process under torchrun, for the distributed tests,
and writes this process's parameters to OUT/params-rank<R>.safetensors.

    python tests/training/runtime/ddp_worker.py CORPUS OUT BATCH STEPS [SLOW_BUILD_S COLLECTIVE_S]

SLOW_BUILD_S makes each node's first process take that much longer to read the corpus, as
a large corpus would; COLLECTIVE_S shortens the collectives' timeout (torch's default: 30
minutes for gloo) to that many seconds.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import torch.distributed.distributed_c10d as c10d
from safetensors.torch import save_file

import training.run_corpus
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.loop.run_loop import train_models
from training.run import prepare_run
from training.run_spec import RunSpec
from training.runtime.distributed import leave_group


def main() -> None:
    corpus, out, batch, steps = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    if len(sys.argv) > 6:
        c10d.default_pg_timeout = timedelta(seconds=float(sys.argv[6]))
    if len(sys.argv) > 5 and os.environ.get("LOCAL_RANK", "0") == "0":
        slow_s, ingest = float(sys.argv[5]), training.run_corpus.ingest_corpus

        def slow_ingest(*args: object, **kwargs: object) -> object:
            time.sleep(slow_s)
            return ingest(*args, **kwargs)  # type: ignore[arg-type]

        training.run_corpus.ingest_corpus = slow_ingest  # type: ignore[assignment]
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
    leave_group()  # as `lstm-studio train` ends


if __name__ == "__main__":
    main()
