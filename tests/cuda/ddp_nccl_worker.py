"""Trains the tiny model on one GPU inside a NCCL process group of one, through
DistributedDataParallel, and writes its parameters to OUT/params.safetensors.

    torchrun --standalone --nproc-per-node 1 tests/cuda/ddp_nccl_worker.py CORPUS OUT steps=N|minutes=M [cpu]

One GPU cannot hold two NCCL ranks, so the group has one member; the trainer is told to
take the distributed path all the same (DDP's gradient all-reduce, rank 0's broadcast of
when a time budget ends), which is what this exercises.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from safetensors.torch import save_file

from lstm_core import LanguageModel, ModelConfig
from lstm_core.tokenizers import CharTokenizer
from training.common.config import TrainConfig
from training.data.holdout import DataSplit
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.loop.run_loop import train_models
from training.loop.trainer import Trainer
from training.runtime.distributed import SINGLE, DistContext


@dataclass(frozen=True)
class GroupOfOne(DistContext):
    @property
    def enabled(self) -> bool:
        return True  # DDP, NCCL and the broadcasts run although the group has one member


def build_trainer(corpus: Path, out: Path, options: dict[str, Any], ctx: DistContext = SINGLE) -> Trainer:
    text = corpus.read_text(encoding="utf-8")
    tokenizer = CharTokenizer(sorted(set(text)))
    tokens = np.asarray(tokenizer.encode(text), dtype=np.int64)
    cut = int(len(tokens) * 0.9)  # the last tenth held out: the simplest split, the same on each rank
    train, val = tokens[:cut], tokens[cut:]
    window = {k: v for k, v in TINY_TRAIN.items() if k != "steps"}  # the budget comes from options
    config = TrainConfig.from_dict({**window, "device": "cuda", "precision": "fp32", **options})
    device = torch.device("cuda", 0) if config.device == "cuda" else torch.device(config.device)
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=tokenizer.vocab_size, **{**TINY_MODEL, "dropout": 0.0}))
    return Trainer(
        name="lstm",
        model=model,
        tokenizer=tokenizer,
        data=DataSplit(train, val, len(val)),
        config=config,
        device=device,
        out_path=out,
        dist_ctx=ctx,
    )


def main() -> None:
    corpus, out, budget = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    key, value = budget.split("=")
    options: dict[str, Any] = {"steps": int(value)} if key == "steps" else {"minutes": float(value)}
    on_cpu = sys.argv[4:] == ["cpu"]  # gloo on the CPU: the same path, checkable anywhere
    if on_cpu:
        options["device"] = "cpu"
    else:
        torch.cuda.set_device(0)
    dist.init_process_group("gloo" if on_cpu else "nccl")
    trainer = build_trainer(corpus, out, options, GroupOfOne(rank=0, world_size=1, local_rank=0))
    assert isinstance(trainer.step_model, torch.nn.parallel.DistributedDataParallel)
    result = train_models([trainer])[0]
    assert result.reason == "completed", result
    weights = {k: v.detach().cpu().clone() for k, v in trainer.model.state_dict().items()}
    save_file(weights, str(out / "params.safetensors"))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
