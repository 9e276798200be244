"""``lstm-studio train``: options a person leaves out take the preset's values."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lstm_core.config import CELL_KINDS
from lstm_core.hardware import DEVICES
from lstm_core.tokenizers import LEVELS
from training.checkpoints.checkpoint import has_checkpoint, read_metadata
from training.checkpoints.run_lock import TAKE_OVER_FLAG
from training.cli import exit_codes
from training.cli.args import HelpFormatter, UsageError, fraction, positive_float, positive_int
from training.common.config import OPTIMIZERS, PRECISIONS, TrainConfig
from training.common.events import FinishedEvent
from training.data.documents import STREAM, DocumentMode
from training.loop.failures import OutOfMemory
from training.presets.presets import DEFAULT_PRESET, PRESET_NAMES, get_preset
from training.runtime.distributed import STOP_VOTE, leave_together, peer_lost_message

if TYPE_CHECKING:
    from training.cli.progress import JsonReporter, ProgressReporter

# The signals that end a run the cooperative way: the current step finishes, a checkpoint is
# saved. SIGINT is Ctrl+C; SIGTERM what a logout or a service manager sends; SIGHUP a closed terminal.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

_QUICK = get_preset(DEFAULT_PRESET)
_QUICK_MODEL = _QUICK.model_fields()
_QUICK_TRAIN = _QUICK.train_config({})
_DEFAULTS = TrainConfig()


def _preset_default(value: Any) -> str:
    return f"(default: the preset's; {_QUICK.name}: {value})"


def add_train_command(sub: argparse._SubParsersAction) -> None:
    train = sub.add_parser(
        "train",
        help="train a model on text files or folders",
        description="Train a language model. Options left out take the preset's values.",
        formatter_class=HelpFormatter,
    )
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
    budget.add_argument("--steps", type=positive_int, help="budget in optimizer steps")
    budget.add_argument(
        "--minutes",
        type=positive_float,
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
    train.add_argument("--seed", type=int, help=f"random seed (default: {_DEFAULTS.seed})")
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
    train.set_defaults(handler=cmd_train)


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


def cmd_train(args: argparse.Namespace) -> int:
    from training.cli.progress import JsonReporter, ProgressReporter, say
    from training.common.control import TrainingControl
    from training.data.ingest import IngestCancelled
    from training.run import prepare_run
    from training.run_spec import RunSpec, resume_spec

    model_opts, train_opts = train_options(args)
    # torchrun --max-restarts starts every process again after one dies: they go on from
    # the last checkpoint rather than from scratch.
    restarted = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")) > 0
    if (args.resume or restarted) and has_checkpoint(args.out):
        spec = resume_spec(
            args.out,
            paths=args.paths,
            level=args.level,
            preset=args.preset,
            model_options=model_opts,
            train_options=train_opts,
            allow_new_corpus=args.allow_new_corpus,
            documents=args.documents,
            compare_rnn=args.compare_rnn,
        )
    else:
        if not args.paths:
            raise UsageError("give the corpus: one or more files or folders (see lstm-studio train --help)")
        spec = RunSpec(
            paths=tuple(args.paths),
            out_dir=args.out,
            preset=args.preset or DEFAULT_PRESET,
            level=args.level or LEVELS[0],
            model_options=model_opts,
            train_options=train_opts,
            compare_rnn=args.compare_rnn,
            resume=args.resume,
            allow_new_corpus=args.allow_new_corpus,
            documents=args.documents or STREAM,
            overwrite=args.overwrite,
        )
    spec = replace(spec, take_over_lock=args.take_over_lock)
    main_rank = int(os.environ.get("RANK", "0")) == 0
    reporter = JsonReporter() if args.json else ProgressReporter(enabled=main_rank)
    control = TrainingControl()
    stopped: list[int] = []

    def stop_now(signum: int) -> None:
        stopped.append(signum)
        control.cancel()

    def stop(signum: int, _frame: object) -> None:
        if STOP_VOTE.is_open:
            STOP_VOTE.ask(signum)  # under torchrun: every rank stops after the step they agree on
        else:
            stop_now(signum)

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)
    try:
        prepared = prepare_run(spec, reporter, control)
    except IngestCancelled:
        reporter.close()
        name = exit_codes.SIGNAL_NAMES.get(stopped[0], "a signal") if stopped else "a signal"
        say(f"lstm-studio: stopped by {name} while reading the corpus; nothing was trained", sys.stderr)
        return exit_codes.stopped_by(stopped[0]) if stopped else exit_codes.INTERRUPTED
    except OutOfMemory as err:
        return _out_of_memory(err, reporter)
    except BaseException:
        reporter.close()  # clear the corpus bar: the error gets a line of its own
        raise
    together = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if together:
        # One rank leaving the loop alone would leave the others waiting in a collective: from
        # here a signal is a vote. One that came after the corpus was read is the first vote.
        control = TrainingControl()  # stop_now cancels this one from now on
        STOP_VOTE.open(stop_now)
        if stopped:
            STOP_VOTE.ask(stopped.pop())
    started = time.perf_counter()
    try:
        results = prepared.train(control)
    except OutOfMemory as err:
        return _out_of_memory(err, reporter)
    except RuntimeError as err:
        if (lost := peer_lost_message(err)) is None:
            raise
        reporter.close()
        say(f"lstm-studio: error: {lost}", sys.stderr)
        return exit_codes.PEER_LOST
    reporter.close()
    if together and stopped:
        leave_together()  # each exits with the signal's code only once rank 0 has saved
        # Once one rank exits, torchrun sends the others SIGTERM: saved and leaving, a rank that
        # met it while Python shuts down would be reported as killed instead of stopped.
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
    main_result = results[0]
    if not main_rank:  # under torchrun, rank 0 speaks for the run
        cancelled = bool(stopped) and main_result.reason == "cancelled"
        return exit_codes.stopped_by(stopped[0]) if cancelled else exit_codes.OK
    done = {
        "event": "done",
        "val_loss": main_result.val_loss,
        "bits_per_char": main_result.bits_per_char,
        "checkpoint": str(Path(main_result.checkpoint).parent),
        "steps": main_result.steps,
        "seconds": round(time.perf_counter() - started, 3),
        "tokens_per_s": main_result.tokens_per_s,
        "reason": main_result.reason,
        "stopped_early": main_result.stopped_early,
        "heldout_seen": main_result.heldout_seen,
        "models": [r.to_dict() for r in results],
    }
    if args.json:
        say(json.dumps(done), sys.stdout)
    else:
        for r in results:
            say(
                f"{r.model}: {r.reason} after {r.steps} steps, {r.seconds:.0f} s; validation "
                f"{r.val_loss:.3f} nats/token, {r.bits_per_char:.3f} bits/char "
                f"({r.tokens_scored:,} held-out tokens{_seen(r.heldout_seen)}) -> "
                f"{Path(r.checkpoint).parent}",
                sys.stdout,
            )
    if stopped:
        name = exit_codes.SIGNAL_NAMES.get(stopped[0], str(stopped[0]))
        if not _complete(results):
            at = main_result.steps
            say(f"lstm-studio: stopped by {name} at step {at}; resume with --resume", sys.stderr)
            return exit_codes.stopped_by(stopped[0])
        # It came after the last step, during the final validation or save: the run is whole,
        # and a resume would find nothing left to do.
        say(f"lstm-studio: {name} came after the last step; the run is complete", sys.stderr)
    if not all(r.saved for r in results):
        return exit_codes.NOT_SAVED
    return exit_codes.DIVERGED if main_result.diverged else exit_codes.OK


def _out_of_memory(err: OutOfMemory, reporter: JsonReporter | ProgressReporter) -> int:
    from training.cli.progress import say

    reporter.close()  # clear the progress bar: the error gets a line of its own
    say(f"lstm-studio: error: {err}", sys.stderr)
    return exit_codes.OUT_OF_MEMORY


def _complete(results: Sequence[FinishedEvent]) -> bool:
    """Whether every model of the run saved a checkpoint that says its budget is used up."""
    try:
        return all(r.saved and read_metadata(r.checkpoint).progress.done for r in results)
    except (OSError, ValueError):  # unreadable: not known to be complete
        return False


def _seen(share: float | None) -> str:
    """How much of the held-out text training also held, when it is worth a word."""
    return f"; {share:.1%} of the held-out text also appears in training" if share and share >= 0.01 else ""
