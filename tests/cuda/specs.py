"""The run the CUDA tests train: the tiny demo model on a corpus file, on the GPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.run_spec import RunSpec


def cuda_spec(
    corpus: Path, out: Path, *, model: dict | None = None, resume: bool = False, **train: Any
) -> RunSpec:
    """Options in ``model`` and ``train`` go over the tiny demo's."""
    return RunSpec(
        paths=(str(corpus),),
        out_dir=out,
        model_options={**TINY_MODEL, **(model or {})},
        train_options={**TINY_TRAIN, "device": "cuda", **train},
        resume=resume,
    )
