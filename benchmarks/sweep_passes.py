"""Regularisation and model size against passes over the text: the numbers behind
``DROPOUT_BY_PASSES`` and ``WEIGHT_DECAY_BY_PASSES`` in ``training/presets/preset_rule.py``.

Each recipe is trained at each dropout and weight decay on texts of ~30 KB to ~10 MB, through
the product's own pipeline, so its honest held-out text, early stop and best weights all
apply; each run is scored on the corpus's unseen last tenth.

The budget is given in seconds but, with ``--by-steps`` (the default), run as the steps the
recipe trains in those seconds on this machine at its calibrated rate
(``training/presets/calibration.py``): the result then does not depend on what else the
machine is doing, only how long it takes. ``--by-time`` runs the wall-clock budget itself.

    python -m benchmarks.sweep_passes [--seconds 90] [--dropout rule 0 0.25 0.5]
        [--weight-decay 0.1 0.3] [--recipe 2x192-lr0.014-b64-muon ...]
        [--only vim-tutor licences changelogs-10m ...]

"rule" as a dropout is what the preset rule would choose for the run's passes. One JSON
object per run on stdout.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from benchmarks.corpora import BUILDERS, Corpus
from benchmarks.peers import python_sources, score
from benchmarks.sweep_recipes import parse_recipe
from lstm_core.hardware import pick_device
from training.checkpoints.checkpoint import load_model, read_metadata
from training.copies.copy_check import copy_checker
from training.copies.copy_summary import measure_copying
from training.presets.calibration import calibrate
from training.presets.preset_rule import DROPOUT_BY_PASSES, STEP_SHARE, Recipe
from training.run import run_training
from training.run_spec import RunSpec

LARGE_CHARS = 10_000_000
CHAR_VOCAB = 128  # the calibration's vocabulary for a character-level text


def python_large() -> Corpus | None:
    text = python_sources(LARGE_CHARS)
    cut = int(len(text) * 0.9)
    return Corpus("python-10m", [("python.txt", text[:cut])], text[cut:]) if len(text) > 1e6 else None


def changelogs_large() -> Corpus | None:
    """Debian's package changelogs, one file each, shuffled; the last tenth of the files is the tail."""
    paths = sorted(Path("/usr/share/doc").glob("*/changelog*.gz"))
    random.Random(0).shuffle(paths)
    named, total = [], 0
    for path in paths:
        try:
            text = gzip.decompress(path.read_bytes()).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        text = text[:400_000]  # a few packages' changelogs are megabytes: no one package dominates
        named.append((f"{path.parent.name}.txt", text))
        total += len(text)
        if total >= LARGE_CHARS:
            break
    if total < 1e6:
        return None
    cut = int(len(named) * 0.9)
    return Corpus("changelogs-10m", named[:cut], "".join(text for _, text in named[cut:]))


SWEEP_BUILDERS: dict[str, Callable[[], Corpus | None]] = {
    **BUILDERS,
    "python-10m": python_large,
    "changelogs-10m": changelogs_large,
}


def _rule_dropout(passes: float) -> float:
    return max((d for at, d in DROPOUT_BY_PASSES if passes >= at), default=0.0)


def _steps(recipe: Recipe, seconds: float) -> int:
    device = pick_device("auto")
    rate = calibrate([recipe], vocab_size=CHAR_VOCAB, device=device, precision="auto")[recipe.speed_key]
    return max(1, round(rate * seconds * STEP_SHARE / (recipe.batch_size * recipe.seq_len)))


def _one_run(
    corpus: Corpus, folder: Path, tail: Path, out: Path, recipe: Recipe, dropout: Any, decay: float, args: Any
) -> dict[str, Any]:
    chars = sum(len(text) for _, text in corpus.train)
    steps = _steps(recipe, args.seconds)
    planned_passes = steps * recipe.batch_size * recipe.seq_len / chars
    rate_dropout = _rule_dropout(planned_passes) if dropout == "rule" else float(dropout)
    budget = {"minutes": args.seconds / 60} if args.by_time else {"steps": steps}
    spec = RunSpec(
        paths=(str(folder),),
        out_dir=out,
        model_options={**recipe.model_options(), "dropout": rate_dropout},
        train_options={
            **recipe.train_options(),
            **budget,
            "weight_decay": decay,
            "eval_every_s": 5.0 if planned_passes >= 8 else 15.0,
        },
    )
    finished = run_training(spec)[0]
    model, tokenizer, _ = load_model(finished.checkpoint)
    copies = measure_copying(copy_checker(read_metadata(finished.checkpoint), tokenizer), model)
    return {
        "corpus": corpus.name,
        "chars": chars,
        "recipe": recipe.name,
        "dropout": rate_dropout,
        "weight_decay": decay,
        "passes": round(finished.steps * recipe.batch_size * recipe.seq_len / chars, 1),
        "tail": round(score(model, tokenizer, tail), 3),
        "reported": round(finished.val_loss, 3),
        "steps": finished.steps,
        "planned_steps": steps,
        "stopped_early": finished.stopped_early,
        "seconds": round(finished.seconds, 1),
        "longest_copy": copies.longest.length if copies.longest else 0,
        "copied_share": round(copies.copied_share, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sweep_passes", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--dropout", nargs="+", default=["rule"], help="'rule' or numbers")
    parser.add_argument("--weight-decay", type=float, nargs="+", default=[0.1])
    parser.add_argument("--recipe", nargs="+", default=["2x192-lr0.014-b64-muon"])
    parser.add_argument("--by-time", action="store_true", help="a wall-clock budget, not its steps")
    parser.add_argument("--only", nargs="*", choices=list(SWEEP_BUILDERS))
    args = parser.parse_args()
    recipes = [parse_recipe(name) for name in args.recipe]
    for name in args.only or list(BUILDERS):
        corpus = SWEEP_BUILDERS[name]()
        if corpus is None:
            continue
        with TemporaryDirectory(prefix="lstm-studio-passes-") as tmp:
            folder = Path(tmp) / "corpus"
            folder.mkdir()
            for file_name, text in corpus.train:
                (folder / file_name).write_text(text, encoding="utf-8")
            tail = Path(tmp) / "tail.txt"
            tail.write_text(corpus.tail, encoding="utf-8")
            for i, (recipe, dropout, decay) in enumerate(
                (r, d, w) for r in recipes for d in args.dropout for w in args.weight_decay
            ):
                result = _one_run(corpus, folder, tail, Path(tmp) / f"run{i}", recipe, dropout, decay, args)
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
