"""Dropout against passes over the text: the numbers behind ``DROPOUT_BY_PASSES`` in
``training/presets/preset_rule.py``.

One recipe (by default the one the CPU preset chose at 90 s on a quiet bf16 machine, 2×192
with Muon at batch 64) trained for a wall-clock budget at each dropout on the corpora of
``benchmarks.corpora``, through the product's own pipeline, so its honest held-out text,
early stop and best weights all apply; each run is scored on the corpus's unseen last tenth.
Runs one at a time: they are timed, so nothing else may run beside them.

    python -m benchmarks.sweep_passes [--seconds 90] [--dropout 0 0.25 0.5]
        [--recipe 2x192-lr0.014-b64-muon] [--only licences vim-tutor ...]

One JSON object per run on stdout.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from tempfile import TemporaryDirectory

from benchmarks.corpora import BUILDERS
from benchmarks.peers import score
from benchmarks.sweep_recipes import parse_recipe
from training.checkpoints.checkpoint import load_model
from training.run import run_training
from training.run_spec import RunSpec


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sweep_passes", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--dropout", type=float, nargs="+", default=[0.0, 0.25, 0.5])
    parser.add_argument("--recipe", default="2x192-lr0.014-b64-muon")
    parser.add_argument("--only", nargs="*", choices=list(BUILDERS))
    args = parser.parse_args()
    recipe = parse_recipe(args.recipe)
    for name, build in BUILDERS.items():
        corpus = build() if not args.only or name in args.only else None
        if corpus is None:
            continue
        with TemporaryDirectory(prefix="lstm-studio-passes-") as tmp:
            folder = Path(tmp) / "corpus"
            folder.mkdir()
            for file_name, text in corpus.train:
                (folder / file_name).write_text(text, encoding="utf-8")
            tail = Path(tmp) / "tail.txt"
            tail.write_text(corpus.tail, encoding="utf-8")
            for dropout in args.dropout:
                spec = RunSpec(
                    paths=(str(folder),),
                    out_dir=Path(tmp) / f"d{dropout}",
                    model_options={**recipe.model_options(), "dropout": dropout},
                    train_options={**recipe.train_options(), "minutes": args.seconds / 60},
                )
                finished = run_training(spec)[0]
                model, tokenizer, _ = load_model(finished.checkpoint)
                chars = sum(len(text) for _, text in corpus.train)
                tokens = finished.tokens_per_s * finished.seconds
                result = {
                    "corpus": name,
                    "chars": chars,
                    "recipe": args.recipe,
                    "dropout": dropout,
                    "passes": round(tokens / chars, 1),
                    "tail": round(score(model, tokenizer, tail), 3),
                    "reported": round(finished.val_loss, 3),
                    "steps": finished.steps,
                    "stopped_early": finished.stopped_early,
                }
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    from training.runtime.cpu_runtime import configure_cpu_runtime

    configure_cpu_runtime()
    main()
