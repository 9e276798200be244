"""``lstm-studio train``'s options, and which of them a person gave: the rest take the
preset's values (``cmd_train`` in ``training.cli.train`` runs the command)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lstm_core.config import CELL_KINDS
from lstm_core.hardware import DEVICES
from lstm_core.tokenizers import LEVELS
from training.checkpoints.run_lock import TAKE_OVER_FLAG
from training.cli.args import bounded_int, fraction, positive_float, positive_int
from training.common.config import OPTIMIZERS, PRECISIONS, TrainConfig
from training.data.documents import STREAM, DocumentMode
from training.presets.presets import DEFAULT_PRESET, PRESET_NAMES, get_preset
from training.run_spec import MAX_MINUTES, MAX_STEPS

_QUICK = get_preset(DEFAULT_PRESET)
_QUICK_MODEL = _QUICK.model_fields()
_QUICK_TRAIN = _QUICK.train_config({})
_DEFAULTS = TrainConfig()


def _preset_default(value: Any) -> str:
    return f"(default: the preset's; {_QUICK.name}: {value})"


def add_train_arguments(train: argparse.ArgumentParser) -> None:
    train.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="corpus files or folders (with --resume: the run's own; name them to point a run at "
        "its corpus moved elsewhere, and the run checks that it is the same text)",
    )
    train.add_argument("--out", required=True, type=Path, metavar="DIR", help="the run folder to write")
    train.add_argument("--preset", choices=PRESET_NAMES, help=f"starting point (default: {DEFAULT_PRESET})")
    train.add_argument("--level", choices=LEVELS, help=f"token level (default: {LEVELS[0]})")
    train.add_argument(
        "--documents",
        type=document_choice,
        metavar="HOW",
        help="the corpus as one stream, or as documents: files (one per file), lines (one per line) "
        "or separator:TEXT (cut at TEXT; \\n is a line break); each document ends with an "
        f"end-of-document token and generation stops there (default: {STREAM}; with --resume: the run's own)",
    )
    train.add_argument(
        "--cell", choices=CELL_KINDS, help="recurrent cell " + _preset_default(_QUICK_MODEL["cell"])
    )
    train.add_argument(
        "--compare-rnn", action="store_true", help="also train a vanilla RNN of the same shape into DIR/rnn"
    )
    train.add_argument(
        "--layers", type=positive_int, help="stacked layers " + _preset_default(_QUICK_MODEL["layers"])
    )
    train.add_argument(
        "--hidden", type=positive_int, help="units per layer " + _preset_default(_QUICK_MODEL["hidden"])
    )
    train.add_argument(
        "--embed",
        type=positive_int,
        help="embedding width (default: the preset's; 128 for characters, 256 for words and BPE)",
    )
    train.add_argument(
        "--dropout", type=fraction, help="dropout rate " + _preset_default(_QUICK_MODEL["dropout"])
    )
    train.add_argument(
        "--seq-len", type=positive_int, help="BPTT chunk in tokens " + _preset_default(_QUICK_TRAIN.seq_len)
    )
    train.add_argument(
        "--batch", type=positive_int, help="streams per step " + _preset_default(_QUICK_TRAIN.batch_size)
    )
    train.add_argument(
        "--lr", type=positive_float, help="peak learning rate " + _preset_default(_QUICK_TRAIN.lr)
    )
    budget = train.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=budget_steps, help="budget in optimizer steps")
    budget.add_argument(
        "--minutes",
        type=budget_minutes,
        help="budget in minutes of training " + _preset_default(_QUICK_TRAIN.budget.minutes),
    )
    train.add_argument(
        "--clip", type=positive_float, help=f"gradient-norm threshold (default: {_DEFAULTS.grad_clip})"
    )
    train.add_argument("--no-clip", action="store_true", help="train without gradient clipping")
    train.add_argument("--precision", choices=PRECISIONS, help="autocast precision (default: auto)")
    train.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        help="adamw, or muon for the recurrent and input matrices (default: the preset's)",
    )
    train.add_argument("--device", choices=DEVICES, help="where to train (default: auto)")
    train.add_argument("--seed", type=_seed, help=f"random seed (default: {_DEFAULTS.seed})")
    train.add_argument(
        "--checkpoint-every",
        type=positive_float,
        metavar="SECONDS",
        help="save a checkpoint this often; a crash loses at most this much work (default: "
        f"{_DEFAULTS.first_checkpoint_s:g} after the first step, "
        f"then every {_DEFAULTS.checkpoint_every_s:g})",
    )
    fresh_or_not = train.add_mutually_exclusive_group()
    fresh_or_not.add_argument(
        "--resume",
        action="store_true",
        help="continue the run saved in DIR, on its own corpus; its model and level are fixed",
    )
    fresh_or_not.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the run saved in DIR; without it a fresh run into such a folder is refused",
    )
    train.add_argument(
        TAKE_OVER_FLAG,
        action="store_true",
        help="take over the lock another host left in DIR (a restarted container, a shared "
        "folder) once nothing there trains into it",
    )
    train.add_argument(
        "--allow-new-corpus",
        action="store_true",
        help="with --resume: go on training on text other than the run's own, with its tokenizer",
    )
    train.add_argument("--json", action="store_true", help="one JSON event per line on stdout")


def budget_steps(text: str) -> int:
    return bounded_int(text, least=1, most=MAX_STEPS)


def budget_minutes(text: str) -> float:
    value = positive_float(text)
    if value > MAX_MINUTES:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_MINUTES:,} (a year), not {text}")
    return value


def document_choice(text: str) -> str:
    """--documents: checked here so that nonsense is a one-line usage error."""
    try:
        return DocumentMode.parse(text).describe()
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("documents: ")) from None


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def train_options(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """(model options, training options) a person gave; the rest come from the preset."""
    model = _given(
        {
            "cell": args.cell,
            "layers": args.layers,
            "hidden": args.hidden,
            "embed": args.embed,
            "dropout": args.dropout,
        }
    )
    train = _given(
        {
            "seq_len": args.seq_len,
            "batch_size": args.batch,
            "lr": args.lr,
            "steps": args.steps,
            "minutes": args.minutes,
            "device": args.device,
            "seed": args.seed,
            "precision": args.precision,
            "optimizer": args.optimizer,
            "grad_clip": args.clip,
            "checkpoint_every_s": args.checkpoint_every,
        }
    )
    if args.no_clip:
        train["grad_clip"] = None
    if args.checkpoint_every is not None:  # saving more often starts sooner, too
        train["first_checkpoint_s"] = min(args.checkpoint_every, _DEFAULTS.first_checkpoint_s)
    return model, train


def _seed(text: str) -> int:
    # torch's generators take seeds below 2**63 (a larger one overflowed with an error naming no option)
    return bounded_int(text, least=0, most=2**63 - 1)
