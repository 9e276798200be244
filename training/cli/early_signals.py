"""A Ctrl+C that comes while a command is still loading, remembered.

Python's own handler raises KeyboardInterrupt wherever the program is, and importing torch
(which the command line does before any command runs) executes code that drops an exception
raised inside it, weakref callbacks among it. The command then went on as if nothing had
come: `lstm-studio train` told to stop half a second after it started trained for minutes.
This handler raises the same exception and also remembers the signal, so that a command's
own handler, once installed, knows that a stop came before it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

received: list[int] = []  # the signals that came while the command loaded


def _remember(signum: int, _frame: FrameType | None) -> None:
    received.append(signum)
    raise KeyboardInterrupt


@contextmanager
def remembered_while_loading() -> Iterator[None]:
    """Ctrl+C raises KeyboardInterrupt as usual, and is remembered in ``received``, until the
    command installs its own handler or ends; the handler that was there before comes back."""
    received.clear()
    on_main_thread = threading.current_thread() is threading.main_thread()
    if not on_main_thread or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Only the main thread may set handlers; and a process started with Ctrl+C ignored (a
        # shell's background job) keeps ignoring it while it loads, as Python itself does.
        yield
        return
    previous = signal.signal(signal.SIGINT, _remember)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is _remember:
            signal.signal(signal.SIGINT, previous)


def stop_if_received() -> None:
    """For a command about to install its own Ctrl+C handler: end it now (KeyboardInterrupt,
    "interrupted") when a Ctrl+C came while it loaded and its exception was lost."""
    if received:
        raise KeyboardInterrupt
