"""Entry point of the frozen bundle (build.spec): every executable in it runs this file.

From source the same program is ``python -m app`` / ``lstm-studio``; this file only adds
what a frozen program needs before anything else runs, and the start-up probe that
benchmarks/startup_time.py uses (the probe works from source too: ``python scripts/lstm_studio_entry.py``).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import time

# Set to 1 to make the window quit once it is shown and its engine has loaded, printing
# "startup-probe: window shown at <unix time>" when the window is on screen and readable,
# "startup-probe: engine ready at <unix time>" when torch and every panel are in place, and
# "startup-probe: longest stall while loading <ms> ms" for the event loop in between.
PROBE_ENV = "LSTM_STUDIO_EXIT_AFTER_SHOW"
PROBE_PREFIX = "startup-probe: window shown at"
READY_PREFIX = "startup-probe: engine ready at"
STALL_PREFIX = "startup-probe: longest stall while loading"


def _install_startup_probe() -> None:
    """Report on the event loop's first turn, once the window is shown and painted, then
    again when the engine is ready, and quit.

    launch_gui() shows the window and then enters QApplication.exec(); a zero-delay timer
    queued at that moment fires after the pending show, expose and paint events.
    """
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

    original_exec = QApplication.exec
    ticks: list[float] = []
    meter = QTimer()
    meter.setTimerType(Qt.TimerType.PreciseTimer)
    meter.setInterval(5)
    meter.timeout.connect(lambda: ticks.append(time.perf_counter()))

    def ready() -> None:
        meter.stop()
        print(f"{READY_PREFIX} {time.time():.3f}", flush=True)
        gaps = [(b - a) * 1000 for a, b in itertools.pairwise(ticks)]
        print(f"{STALL_PREFIX} {max(gaps, default=0.0):.0f} ms", flush=True)
        QApplication.quit()

    def shown() -> None:
        print(f"{PROBE_PREFIX} {time.time():.3f}", flush=True)
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if not windows or windows[0].ready:
            ready()
            return
        windows[0].engine_ready.connect(ready)
        windows[0].engine_failed.connect(lambda _message: QApplication.exit(1))
        meter.start()

    def exec_and_quit(*_self: object) -> int:  # called on the instance or the class
        QTimer.singleShot(0, shown)
        return original_exec()

    QApplication.exec = exec_and_quit  # type: ignore[method-assign]


def main() -> int:
    # A frozen program re-executes itself for every spawned worker process (always on
    # Windows and macOS); freeze_support() turns those runs into workers instead of new apps.
    multiprocessing.freeze_support()
    from training.runtime.cpu_runtime import configure_cpu_runtime

    configure_cpu_runtime()  # before torch loads: OpenMP reads its settings once
    # torch itself loads behind the first window (app.engine_loader), except on Windows,
    # where app.launch imports it before Qt; the CLI never imports Qt at all.
    if os.environ.get(PROBE_ENV) == "1":
        _install_startup_probe()

    from app.__main__ import main as app_main

    return app_main()


if __name__ == "__main__":
    sys.exit(main())
