"""Measurement subcommands (probe, gradflow) join the CLI here."""

from __future__ import annotations

import argparse


def add_measure_commands(sub: argparse._SubParsersAction) -> None:
    """Registers measurement commands; each sets ``handler`` on its parser."""
