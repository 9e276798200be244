"""Waiting for a signal while the event loop runs: for the self-test and benchmarks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance


def wait_for(
    signal: SignalInstance,
    timeout_s: float,
    *,
    start: Callable[[], object] | None = None,
    fail: SignalInstance | None = None,
) -> tuple[Any, ...]:
    """Connect, call start(), run the event loop until signal fires; return its arguments.

    Raises TimeoutError, or RuntimeError carrying the message when ``fail`` fires first.
    """
    loop = QEventLoop()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    got: dict[str, tuple[Any, ...]] = {}

    def on_signal(*args: Any) -> None:
        got.setdefault("ok", args)
        loop.quit()

    def on_fail(*args: Any) -> None:
        got.setdefault("fail", args)
        loop.quit()

    signal.connect(on_signal)
    if fail is not None:
        fail.connect(on_fail)
    try:
        if start is not None:
            start()
        if not got:
            timer.start(round(timeout_s * 1000))
            loop.exec()
    finally:
        timer.stop()
        signal.disconnect(on_signal)
        if fail is not None:
            fail.disconnect(on_fail)
    if "fail" in got:
        raise RuntimeError(" ".join(map(str, got["fail"])))
    if "ok" not in got:
        raise TimeoutError(f"nothing within {timeout_s:g} s")
    return got["ok"]
