"""``lstm-studio`` and ``python -m app``: no subcommand opens the window."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Sequence

from training.runtime.cpu_runtime import configure_cpu_runtime

configure_cpu_runtime()  # before anything loads torch: OpenMP reads its settings once


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # A tight `ulimit -v` fails this import (the compiler's failure is a SystemError): one line.
    try:
        from training.cli import COMMANDS, HELP_FLAGS
    except (MemoryError, ImportError, SystemError) as err:
        return _cannot_start(err)

    if args and args[0] in COMMANDS + HELP_FLAGS:
        from training.cli import main as cli_main

        return cli_main(args)
    from app.launch import launch_gui

    return launch_gui(args)


def _cannot_start(err: BaseException) -> int:
    """The command line itself could not be loaded: said in one line with the code the
    command line would give (training.cli.load_failure), or exit_codes' own numbers when even
    that cannot be imported."""
    try:
        from training.cli import load_failure

        message, code = load_failure(err)
    except (MemoryError, ImportError, SystemError):
        message, code = f"error: cannot load LSTM Studio ({err}): out of memory, or a broken installation", 1
    try:
        sys.stderr.write(f"lstm-studio: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return code


if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen bundle must not re-run main in worker processes
    sys.exit(main())
