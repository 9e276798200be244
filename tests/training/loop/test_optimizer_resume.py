"""The optimizer's kernel (fused, multi-tensor) is this machine's choice, not the checkpoint's:
a run saved by an older version, or on another device, resumes on this machine's kernel."""

from __future__ import annotations

from pathlib import Path

import torch

from training.checkpoints import checkpoint as ckpt
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.run import prepare_run
from training.run_spec import RunSpec


def _spec(corpus: Path, out: Path, resume: bool = False) -> RunSpec:
    options = {**TINY_TRAIN, "steps": 6, "precision": "fp32", "device": "cpu"}
    return RunSpec(
        paths=(str(corpus),),
        out_dir=out,
        model_options=dict(TINY_MODEL),
        train_options=options,
        resume=resume,
    )


def test_a_checkpoint_from_the_unfused_optimizer_resumes_on_the_fused_one(
    corpus_file: Path, tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "m"
    prepared = prepare_run(_spec(corpus_file, out))
    trainer = prepared.trainers[0]
    assert all(group["fused"] for group in trainer.optimizer.param_groups)  # a CPU has the fused kernel
    for _ in range(3):
        trainer.train_step()
    trainer.save()
    prepared.release()

    real_load = ckpt.load_checkpoint

    def as_older_version(path):  # written by the per-parameter loop: no fused flag, steps on the host
        loaded = real_load(path)
        for group in loaded.optimizer_groups or []:
            group.update({"fused": None, "foreach": None})
        return loaded

    monkeypatch.setattr(ckpt, "load_checkpoint", as_older_version)
    resumed = prepare_run(_spec(corpus_file, out, resume=True))
    trainer = resumed.trainers[0]
    assert trainer.step == 3
    assert all(group["fused"] and not group["foreach"] for group in trainer.optimizer.param_groups)
    steps = [s["step"] for s in trainer.optimizer.state.values()]
    assert steps and all(s.dtype == torch.float32 and float(s) == 3.0 for s in steps)
    while not trainer.done:
        trainer.train_step()
    assert trainer.step == 6 and all(float(s["step"]) == 6.0 for s in trainer.optimizer.state.values())
    resumed.release()
