"""The ``lstm-studio`` command line: one module per group of subcommands.

Every failure a person can cause ends as one line on stderr and a non-zero
exit code; tracebacks are shown only with LSTM_STUDIO_DEBUG=1.

- train.py: ``train``: reads the corpus, trains, saves, and says how it ended
- train_args.py: ``train``'s options; those left out take the preset's values
- progress.py: how a run looks: bars on a terminal, lines in a log, JSON lines for scripts
- generate.py: ``generate``: stream text from a trained model
- samples.py: what ``generate`` prints: one text, or many samples as blocks or JSON lines
- generate_output.py: where ``generate --output`` writes, what it never writes over, Ctrl+C
- evaluate.py: ``evaluate``: score a trained model on text
- measure.py: ``probe`` and ``gradflow``, on the demo or a person's model
- insight.py: ``context``, ``units`` and ``recall``: measurements on a person's own text
- export.py: ``export``: a model that runs without PyTorch
- args.py: argument parsing every subcommand shares: one-line errors, checked numbers
- early_signals.py: a Ctrl+C that comes while a command still loads, remembered
- exit_codes.py: what the exit codes mean
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from training.cli import exit_codes
from training.cli.args import Parser, UsageError
from training.cli.early_signals import remembered_while_loading

PROG = "lstm-studio"
# Every subcommand, defined once: the window's entry point routes these names here.
COMMANDS: tuple[str, ...] = (
    "train",
    "generate",
    "evaluate",
    "probe",
    "gradflow",
    "export",
    "context",
    "units",
    "recall",
)
HELP_FLAGS: tuple[str, ...] = ("-h", "--help")
# How a library that cannot be mapped under a memory limit (`ulimit -v`) fails to import.
_NO_MEMORY_TO_LOAD = ("failed to map segment", "cannot allocate memory", "out of memory")


def build_parser() -> argparse.ArgumentParser:
    from training.cli.evaluate import add_evaluate_command
    from training.cli.export import add_export_command
    from training.cli.generate import add_generate_command
    from training.cli.insight import add_insight_commands
    from training.cli.measure import add_measure_commands
    from training.cli.train import add_train_command

    parser = Parser(prog=PROG, description="Train and explore LSTM and vanilla RNN language models.")
    sub = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND")
    add_train_command(sub)
    add_generate_command(sub)
    add_evaluate_command(sub)
    add_measure_commands(sub)
    add_export_command(sub)
    add_insight_commands(sub)
    assert tuple(sub.choices) == COMMANDS, f"COMMANDS is out of date: {tuple(sub.choices)}"
    return parser


def _open_closed_standard_streams() -> None:
    """A standard descriptor the caller closed (``>&-``, ``2>&-``) is opened on the null device.
    Left closed, sys.stdout or sys.stderr is None, and the next file opened takes its number:
    a checkpoint being written would then receive whatever a library prints to "stderr"."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name) is None:
            stream = open(fd, mode, encoding="utf-8", closefd=False)  # noqa: SIM115 (open for good)
            setattr(sys, name, stream)


def _tolerant_console() -> None:
    """A console that cannot show a character (cp1252, LANG=C) gets a replacement mark
    instead of ending the command; files written with --output stay exact UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _open_closed_standard_streams()
    _tolerant_console()
    try:
        with remembered_while_loading():
            return _run(argv)
    except BrokenPipeError:
        # The reader of our output went away (`| head`): it has what it wanted. End quietly, as
        # Unix filters do, and without a second error when the interpreter flushes at exit.
        _silence_if_broken(sys.stdout)
        _silence_if_broken(sys.stderr)
        return exit_codes.OK
    except (UsageError, OSError, ValueError) as err:
        failed = load_failure(err) if isinstance(err, OSError) else None
        if failed is not None and failed[1] == exit_codes.OUT_OF_MEMORY:
            return _fail(*failed)  # a library that could not be mapped (ulimit -v), ENOMEM
        # CorpusError, CheckpointError and OptionError are ValueErrors: input a person can fix
        return _fail(f"error: {err}", exit_codes.BAD_INPUT)
    except KeyboardInterrupt:
        return _fail("interrupted", exit_codes.INTERRUPTED)
    except (MemoryError, ImportError) as err:
        if os.environ.get("LSTM_STUDIO_DEBUG"):
            raise
        return _fail(*load_failure(err))
    except Exception as err:
        if os.environ.get("LSTM_STUDIO_DEBUG"):
            raise
        return _fail(f"unexpected error: {type(err).__name__}: {err}", exit_codes.UNEXPECTED)


def _run(argv: Sequence[str] | None) -> int:
    """Parse the command line and run its subcommand: that subcommand's exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return exit_codes.BAD_INPUT
    return int(args.handler(args))


def _silence_if_broken(stream: TextIO) -> None:
    """What is still buffered for a stream is written now; a stream that cannot take it is silenced."""
    from training.cli.progress import silence

    try:
        stream.flush()
    except OSError:
        silence(stream)


def load_failure(err: BaseException) -> tuple[str, int]:
    """What to say, and the exit code, when memory ran out or a module could not be loaded:
    under a tight `ulimit -v` the imports of torch and tqdm are where that shows, as a
    MemoryError, an ImportError or OSError naming a library that could not be mapped, or a
    SystemError from the compiler."""
    if isinstance(err, MemoryError) or any(m in str(err).lower() for m in _NO_MEMORY_TO_LOAD):
        return (
            "error: out of memory: the process could not load or allocate what it needs (a memory "
            "limit such as ulimit -v, or the machine's memory is used up); free memory or raise the limit",
            exit_codes.OUT_OF_MEMORY,
        )
    what = f"{type(err).__name__}: {err}"
    return (
        f"error: cannot load LSTM Studio ({what}): out of memory, or a broken installation",
        exit_codes.UNEXPECTED,
    )


def _fail(message: str, code: int) -> int:
    """One line on stderr, then ``code``: a person sees what went wrong, not a traceback."""
    line = f"{PROG}: {message}"
    try:
        from training.cli.progress import say
    except (MemoryError, ImportError):  # what failed may be this very import (tqdm, no memory)
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
            os.write(2, (line + "\n").encode(errors="replace"))
        return code
    say(line, sys.stderr)
    return code
