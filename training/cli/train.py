"""``lstm-studio train``: runs the command; its options are in ``train_args``, and those a
person leaves out take the preset's values."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from lstm_core.tokenizers import LEVELS
from training.checkpoints.checkpoint import has_checkpoint, read_metadata
from training.cli import early_signals, exit_codes
from training.cli.args import HelpFormatter, UsageError
from training.cli.train_args import add_train_arguments, train_options
from training.common.events import FinishedEvent
from training.data.documents import STREAM
from training.loop.failures import OutOfMemory
from training.presets.presets import DEFAULT_PRESET
from training.runtime.distributed import STOP_VOTE, leave_group, leave_together, peer_lost_message

if TYPE_CHECKING:
    from training.cli.progress import JsonReporter, ProgressReporter

# The signals that end a run the cooperative way: the current step finishes, a checkpoint is
# saved. SIGINT is Ctrl+C; SIGTERM what a logout or a service manager sends; SIGHUP a closed terminal.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def add_train_command(sub: argparse._SubParsersAction) -> None:
    train = sub.add_parser(
        "train",
        help="train a model on text files or folders",
        description="Train a language model. Options left out take the preset's values.",
        formatter_class=HelpFormatter,
    )
    add_train_arguments(train)
    train.set_defaults(handler=cmd_train)


def cmd_train(args: argparse.Namespace) -> int:
    from training.cli.progress import JsonReporter, ProgressReporter, say, watch_output
    from training.common.control import TrainingControl
    from training.data.ingest import IngestCancelled
    from training.run import prepare_run
    from training.run_spec import RunSpec, resume_spec

    watch_output()
    # Python's last collection at exit walks every object torch made: a second on a 2-core
    # CPU, after every run and every Ctrl+C. Frozen first, they are left to the system; files
    # and locks still close as the modules are torn down.
    atexit.unregister(gc.freeze)  # once, however many commands a process runs
    atexit.register(gc.freeze)
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
        if not args.paths and args.resume:
            raise UsageError(_nothing_to_resume(args.out))
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

    # Until the first step there is nothing to save: a stop then ends the command at once, from
    # wherever it is, as Python's own Ctrl+C does (and with its exception, which no `except
    # Exception` in a library swallows). Polling the flag alone was not enough: the held-out
    # overlap and torch's compiler import, among others, run a second or more without looking
    # at it. An exception that Python drops all the same (a handler that lands in a weakref
    # callback, as torch's imports run some) still leaves the flag: the run ends before its
    # first step, once prepared. Under torchrun the processes stop together, the cooperative way.
    alone = int(os.environ.get("WORLD_SIZE", "1")) <= 1
    preparing = [alone]

    def stop(signum: int, _frame: object) -> None:
        if preparing[0] and not stopped:
            stop_now(signum)
            raise KeyboardInterrupt
        if main_rank and not stopped and not STOP_VOTE.asked:
            _acknowledge(signum)
        if STOP_VOTE.is_open:
            STOP_VOTE.ask(signum)  # under torchrun: every rank stops after the step they agree on
        else:
            stop_now(signum)

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)
    if early_signals.received:  # a Ctrl+C while the command loaded, its exception lost on the way
        stopped.append(early_signals.received[0])
        return _stopped_before_training(reporter, stopped)
    try:
        prepared = prepare_run(spec, reporter, control)
        preparing[0] = False  # in the try: a signal that lands just before it is answered below
    except (IngestCancelled, KeyboardInterrupt):
        return _stopped_before_training(reporter, stopped)
    except OutOfMemory as err:
        return _out_of_memory(err, reporter)
    except BaseException:
        reporter.close()  # clear the corpus bar: the error gets a line of its own
        raise
    if alone and stopped:
        prepared.release()
        return _stopped_before_training(reporter, stopped)
    together = not alone
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
        # The run is over: torchrun now sends the survivors SIGTERM, which would add a second,
        # wrong line ("stopping after this step and saving…") while this one leaves.
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
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
    leave_group()
    main_result = results[0]
    if not main_rank:  # under torchrun, rank 0 speaks for the run
        cancelled = bool(stopped) and main_result.reason == "cancelled"
        return exit_codes.stopped_by(stopped[0]) if cancelled else exit_codes.OK
    done = {
        "event": "done",
        "val_loss": main_result.val_loss,
        "bits_per_char": main_result.bits_per_char,
        "checkpoint": str(Path(main_result.checkpoint).parent) if main_result.saved else None,
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
                f"{Path(r.checkpoint).parent if r.saved else 'not saved'}",
                sys.stdout,
            )
    return _said_if_output_lost(_ending(results, stopped), main_result)


def _ending(results: Sequence[FinishedEvent], stopped: Sequence[int]) -> int:
    """Say what was not saved, or where a signal stopped the run; its exit code."""
    from training.cli.progress import say

    main_result = results[0]
    for r in results:
        if not r.saved:
            say(f"lstm-studio: {r.model} was not saved: {r.save_error}. {_free_space_hint(r)}", sys.stderr)
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


def _said_if_output_lost(code: int, main_result: FinishedEvent) -> int:
    """Output that failed (stdout or a log on a full disk) was silenced so that the run could
    finish and save; a script reading `train --json > log` must still learn that its log is
    incomplete: a line on stderr (where it can still be written) and OUTPUT_LOST in place of OK."""
    from training.cli.progress import lost_output, say

    lost = lost_output()
    if lost is None:
        return code
    saved = f" and saved the run in {Path(main_result.checkpoint).parent}" if main_result.saved else ""
    say(
        f"lstm-studio: error: could not write to {lost}, so output is missing; training went on "
        f"regardless{saved}",
        sys.stderr,
    )
    return exit_codes.OUTPUT_LOST if code == exit_codes.OK else code


def _stopped_before_training(reporter: JsonReporter | ProgressReporter, stopped: Sequence[int]) -> int:
    """Say that a signal (or the Stop of whoever called) came before the first step; its code."""
    from training.cli.progress import say

    reporter.close()
    name = exit_codes.SIGNAL_NAMES.get(stopped[0], "a signal") if stopped else "a signal"
    say(f"lstm-studio: stopped by {name} before the first step; nothing was trained", sys.stderr)
    return exit_codes.stopped_by(stopped[0]) if stopped else exit_codes.INTERRUPTED


def _acknowledge(signum: int) -> None:
    """Say at once that a stop signal was heard: the step, the last validation and the save
    that follow take a moment, and a person pressing Ctrl+C wants to know it worked."""
    name = exit_codes.SIGNAL_NAMES.get(signum, str(signum))
    line = f"lstm-studio: {name}: stopping after this step and saving…\n"
    # os.write: a handler may run while the progress bar is half-written through sys.stderr.
    # A closed stderr must not stop the stop.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.write(2, (("\n" if sys.stderr.isatty() else "") + line).encode(errors="replace"))


def _nothing_to_resume(out: Path) -> str:
    """Why `--resume` without a corpus finds no run in `out`: a mistyped folder, a run still
    before its first save (training now, or stopped then), or a folder with no run at all."""
    from training.checkpoints.run_lock import LOCK_NAME, holder

    start = "or name the corpus to start a run there (lstm-studio train PATH... --out DIR)"
    if not out.exists():
        return f"{out}: no such folder, so there is no run to resume; check the --out path, {start}"
    if not out.is_dir():
        return f"{out}: is not a run folder, so there is no run to resume; check the --out path"
    if (who := holder(out)) is not None:
        return (
            f"{out}: nothing to resume yet: the run training there ({who}) has not saved its first "
            "checkpoint; wait for its first save, or for it to end"
        )
    if (out / LOCK_NAME).exists():
        return (
            f"{out}: nothing to resume: the run started there ended before it saved its first "
            "checkpoint; name the corpus to train it again (lstm-studio train PATH... --out DIR)"
        )
    return f"{out}: holds no saved run to resume; check the --out path, {start}"


def _free_space_hint(result: FinishedEvent) -> str:
    """What to do about a final save that failed, for a run with or without a checkpoint."""
    if result.save_error and "nothing is saved yet" in result.save_error:
        return "Free space there, or train again with --out on a disk that has room"
    return "Free space there and run the same command with --resume to go on from that checkpoint"


def _out_of_memory(err: OutOfMemory, reporter: JsonReporter | ProgressReporter) -> int:
    from training.cli.progress import say

    reporter.close()  # clear the progress bar: the error gets a line of its own
    say(f"lstm-studio: error: {err}", sys.stderr)
    return exit_codes.OUT_OF_MEMORY


def _complete(results: Sequence[FinishedEvent]) -> bool:
    """Whether every model of the run saved a checkpoint that says its budget is used up."""
    if any(r.reason == "cancelled" for r in results):
        # Stopped before its budget was used up: known without reading a checkpoint back,
        # which for a corpus of 50,000 files takes a second (it looks for each file).
        return False
    try:
        return all(r.saved and read_metadata(r.checkpoint).progress.done for r in results)
    except (OSError, ValueError):  # unreadable: not known to be complete
        return False


def _seen(share: float | None) -> str:
    """How much of the held-out text training also held, when it is worth a word."""
    return f"; {share:.1%} of the held-out text also appears in training" if share and share >= 0.01 else ""
