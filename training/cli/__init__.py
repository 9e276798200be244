"""The ``lstm-studio`` command line: one module per group of subcommands.

Every failure a person can cause ends as one line on stderr and a non-zero
exit code; tracebacks are shown only with LSTM_STUDIO_DEBUG=1.

- train.py: ``train``: options left out take the preset's values
- progress.py: how a run looks on a terminal: bars for people, JSON lines for scripts
- generate.py: ``generate``: stream text from a trained model
- samples.py: what ``generate`` prints: one text, or many samples as blocks or JSON lines
- evaluate.py: ``evaluate``: score a trained model on text
- measure.py: ``probe`` and ``gradflow``, on the demo or a person's model
- insight.py: ``context`` and ``units``: measurements on a person's own text
- export.py: ``export``: a model that runs without PyTorch
- args.py: argument parsing every subcommand shares: one-line errors, checked numbers
- exit_codes.py: what the exit codes mean
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from training.cli import exit_codes
from training.cli.args import Parser, UsageError

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
)
HELP_FLAGS: tuple[str, ...] = ("-h", "--help")


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


def _tolerant_console() -> None:
    """A console that cannot show a character (cp1252, LANG=C) gets a replacement mark
    instead of ending the command; files written with --output stay exact UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_console()
    try:
        return _run(argv)
    except (UsageError, OSError, ValueError) as err:
        # CorpusError, CheckpointError and OptionError are ValueErrors: input a person can fix
        return _fail(f"error: {err}", exit_codes.BAD_INPUT)
    except KeyboardInterrupt:
        return _fail("interrupted", exit_codes.INTERRUPTED)
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


def _fail(message: str, code: int) -> int:
    """One line on stderr, then ``code``: a person sees what went wrong, not a traceback."""
    print(f"{PROG}: {message}", file=sys.stderr)
    return code
