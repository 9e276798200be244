"""``lstm-studio`` and ``python -m app``: no subcommand opens the window."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Sequence

from training.runtime.cpu_runtime import configure_cpu_runtime

configure_cpu_runtime()  # before anything loads torch: OpenMP reads its settings once


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from training.cli import COMMANDS, HELP_FLAGS

    if args and args[0] in COMMANDS + HELP_FLAGS:
        from training.cli import main as cli_main

        return cli_main(args)
    from app.launch import launch_gui

    return launch_gui(args)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen bundle must not re-run main in worker processes
    sys.exit(main())
