"""Entry point of the frozen bundle (build.spec): every executable in it runs this file.

From source the same program is ``python -m app`` / ``lstm-studio``; this file only adds
what a frozen program needs before anything else runs, and the start-up probe that
benchmarks/startup_time.py uses (the probe works from source too: ``python scripts/lstm_studio_entry.py``).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time

# Set to 1 to make the window quit right after it is first shown, printing
# "startup-probe: window shown at <unix time>" on stdout.
PROBE_ENV = "LSTM_STUDIO_EXIT_AFTER_SHOW"
PROBE_PREFIX = "startup-probe: window shown at"


def _install_startup_probe() -> None:
    """Quit on the event loop's first turn, once the window is shown and painted.

    launch_gui() shows the window and then enters QApplication.exec(); a zero-delay timer
    queued at that moment fires after the pending show, expose and paint events.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    original_exec = QApplication.exec

    def exec_and_quit(*_self: object) -> int:  # called on the instance or the class
        def shown() -> None:
            print(f"{PROBE_PREFIX} {time.time():.3f}", flush=True)
            QApplication.quit()

        QTimer.singleShot(0, shown)
        return original_exec()

    QApplication.exec = exec_and_quit  # type: ignore[method-assign]


def main() -> int:
    # A frozen program re-executes itself for every spawned worker process (always on
    # Windows and macOS); freeze_support() turns those runs into workers instead of new apps.
    multiprocessing.freeze_support()
    from training.cpu_runtime import configure_cpu_runtime

    configure_cpu_runtime()  # before torch loads: OpenMP reads its settings once
    # torch before Qt: on Windows, Qt's DLLs loaded first can make torch's c10.dll fail to
    # initialise (OpenMP / MSVC runtime clash); the CLI never imports Qt at all.
    import torch  # noqa: F401

    if os.environ.get(PROBE_ENV) == "1":
        _install_startup_probe()

    from app.__main__ import main as app_main

    return app_main()


if __name__ == "__main__":
    sys.exit(main())
