"""Held-out loss after a fixed number of training tokens, for each shape and recipe the
presets choose between: the table behind ``training/presets/preset_rule.py``.

A run here is budgeted in tokens (its steps, so its learning-rate schedule, follow from
them), which makes the table the same on any machine: how many tokens a shape trains in
a person's minutes is what the calibration measures on their machine. Each run goes
through the product's own trainer on the first 90 % of a text and is scored by the same
stateful evaluation on the last 10 %, as ``benchmarks.peers`` scores it; the trainer's
periodic validation, samples and checkpoints are off, so nothing else moves the result.

    python -m benchmarks.sweep_recipes --corpus shakespeare=PATH --corpus python=PATH \\
        --tokens 1.5 3 6 12 [--device cuda] [--jobs 8] [--only NAME ...] > sweep.jsonl

One JSON object per run on stdout, as each finishes; float32 throughout (TF32 off), so a
GPU run stands for a float32 CPU run of the same steps.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from training.presets.preset_rule import CANDIDATES, Recipe

PEER = "char-rnn"  # benchmarks.peers' plain loop, 50 x 50 tokens a step


def _peer_run(corpus_name: str, corpus: str, tokens: int) -> dict[str, Any]:
    from benchmarks.peers import char_rnn_loop, score

    text = Path(corpus).read_text(encoding="utf-8")
    cut = int(len(text) * 0.9)
    steps = max(1, round(tokens / 2500))
    started = time.perf_counter()
    model, tokenizer, steps = char_rnn_loop(text[:cut], 1e9, max_steps=steps)
    seconds = time.perf_counter() - started
    with TemporaryDirectory(prefix="lstm-studio-sweep-") as tmp:
        heldout = Path(tmp) / "heldout.txt"
        heldout.write_text(text[cut:], encoding="utf-8")
        loss = score(model, tokenizer, heldout)
    return {
        "recipe": PEER,
        "corpus": corpus_name,
        "tokens": tokens,
        "steps": steps,
        "loss": round(loss, 4),
        "seconds": round(seconds, 1),
    }


def _variants() -> dict[str, Recipe]:
    """Every candidate at its own learning rate, plus learning-rate, batch and optimizer
    neighbours, so that each candidate's recipe is seen to be near its best."""
    runs: dict[str, Recipe] = {}
    for recipe in CANDIDATES:
        runs[recipe.name] = recipe
        for factor in (0.5, 2.0):
            other = recipe.with_lr(recipe.lr * factor)
            runs[other.name] = other
        muon = recipe.with_optimizer("muon")
        runs[muon.name] = muon
        for batch in (16, 64):
            other = recipe.with_batch(batch)
            runs[other.name] = other
    return runs


def one_run(
    recipe: Recipe | None, corpus_name: str, corpus: str, tokens: int, device: str, extra: dict[str, Any]
) -> dict[str, Any]:
    import numpy as np
    import torch

    from training.checkpoints.checkpoint import load_model
    from training.data.ingest import ingest_corpus
    from training.loop.evaluate import evaluate_tokens
    from training.run import run_training
    from training.run_spec import RunSpec

    torch.set_num_threads(2)
    if recipe is None:
        return _peer_run(corpus_name, corpus, tokens)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    text = Path(corpus).read_text(encoding="utf-8")
    cut = int(len(text) * 0.9)
    steps = max(1, round(tokens / (recipe.batch_size * recipe.seq_len)))
    off = 1e9  # seconds: no periodic validation, sample or checkpoint
    with TemporaryDirectory(prefix="lstm-studio-sweep-") as tmp:
        train, heldout = Path(tmp) / "train.txt", Path(tmp) / "heldout.txt"
        train.write_text(text[:cut], encoding="utf-8")
        heldout.write_text(text[cut:], encoding="utf-8")
        spec = RunSpec(
            paths=(str(train),),
            out_dir=Path(tmp) / "run",
            model_options=recipe.model_options(),
            train_options={
                **recipe.train_options(),
                "steps": steps,
                "device": device,
                "precision": "fp32",
                "eval_every_s": off,
                "sample_every_s": off,
                "first_checkpoint_s": off,
                "checkpoint_every_s": off,
                **extra,
            },
        )
        started = time.perf_counter()
        finished = run_training(spec)[0]
        seconds = time.perf_counter() - started
        model, tokenizer, _ = load_model(finished.checkpoint)
        scored = ingest_corpus([heldout], tokenizer=tokenizer, min_chars=2)
        loss = evaluate_tokens(model, np.asarray(scored.tokens), chars=scored.chars).loss_nats
    return {
        "recipe": recipe.name + "".join(f" {k}={v}" for k, v in extra.items()),
        "corpus": corpus_name,
        "tokens": tokens,
        "steps": steps,
        "loss": round(loss, 4),
        "seconds": round(seconds, 1),
        "device": device,
    }


def parse_recipe(name: str) -> Recipe:
    """A recipe from its name, e.g. ``2x128-lr0.007-b32-muon`` (embedding 64 below 512 wide)."""
    shape, *rest = name.split("-")
    layers, hidden = (int(v) for v in shape.split("x"))
    fields: dict[str, Any] = {"layers": layers, "hidden": hidden, "embed": 64 if hidden < 512 else 128}
    for part in rest:
        if part.startswith("lr"):
            fields["lr"] = float(part[2:])
        elif part.startswith("b"):
            fields["batch_size"] = int(part[1:])
        elif part.startswith("d"):
            fields["dropout"] = float(part[1:])
        else:
            fields["optimizer"] = part
    return Recipe(**fields)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sweep_recipes", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--corpus", action="append", required=True, metavar="NAME=PATH")
    parser.add_argument(
        "--tokens", type=float, nargs="+", required=True, help="budgets in millions of tokens"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="these recipes only (default: every variant)")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="training options on top")
    parser.add_argument("--list", action="store_true", help="print the recipes and stop")
    args = parser.parse_args()
    variants = _variants()
    if args.list:
        print("\n".join(variants))
        return
    chosen = (
        [None if name == PEER else variants.get(name) or parse_recipe(name) for name in args.only]
        if args.only
        else list(variants.values())
    )
    corpora = [tuple(item.split("=", 1)) for item in args.corpus]
    extra = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)}
    jobs = [
        (recipe, name, path, int(millions * 1e6), args.device, extra)
        for millions in sorted(args.tokens)
        for recipe in chosen
        for name, path in corpora
    ]
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(one_run, *job) for job in jobs]
        for future in as_completed(futures):
            try:
                print(json.dumps(future.result()), flush=True)
            except Exception as err:  # one failed run must not lose the others' figures
                print(json.dumps({"error": repr(err)}), flush=True)
    print(f"{len(jobs)} runs", file=sys.stderr)


if __name__ == "__main__":
    main()
