"""Argument parsing shared by every subcommand: one-line errors and checked number types."""

from __future__ import annotations

import argparse
import math
from typing import NoReturn


class UsageError(Exception):
    """Bad input that argparse could not catch; its message is shown as is."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, as for every other bad input
        raise UsageError(f"{message} (see {self.prog} --help)")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default after its help; options whose default is None say their
    own (usually "the preset's") in the help text instead."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool) or action.default == []:
            return action.help
        return super()._get_help_string(action)


def _whole(text: str, *, least: int, words: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be a {words} whole number, not {text}")
    return value


def bounded_int(text: str, *, least: int, most: int) -> int:
    value = _whole(text, least=least, words="non-negative" if least == 0 else "positive")
    if value > most:
        raise argparse.ArgumentTypeError(f"must be at most {most:,}, not {text}")
    return value


def positive_int(text: str) -> int:
    return _whole(text, least=1, words="positive")


def non_negative_int(text: str) -> int:
    return _whole(text, least=0, words="non-negative")


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value


def positive_float(text: str) -> float:
    value = _finite(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def non_negative_float(text: str) -> float:
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"cannot be negative: {text}")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1)."""
    value = _finite(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, not {text}")
    return value


def probability(text: str) -> float:
    """A number in (0, 1]."""
    value = _finite(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1, not {text}")
    return value
