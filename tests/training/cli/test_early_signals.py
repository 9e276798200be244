"""A Ctrl+C while a command loads: raised as usual, and remembered when the raise is lost."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from training.cli import early_signals
from training.cli.generate_output import stop_on_ctrl_c

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _ctrl_c_swallowed() -> None:
    try:  # as a weakref callback in torch's import drops the exception raised in it
        os.kill(os.getpid(), signal.SIGINT)
        sum(range(1000))  # a few lines of Python, where the handler runs
    except KeyboardInterrupt:
        pass


def test_a_lost_ctrl_c_is_remembered_and_ends_the_next_handler_install() -> None:
    before = signal.getsignal(signal.SIGINT)
    with early_signals.remembered_while_loading():
        _ctrl_c_swallowed()
        assert early_signals.received == [signal.SIGINT]
        with pytest.raises(KeyboardInterrupt), stop_on_ctrl_c():
            pass  # generate's handler is never installed: the command ends as interrupted
    assert signal.getsignal(signal.SIGINT) is before


def test_without_a_ctrl_c_nothing_is_remembered_and_handlers_install() -> None:
    with early_signals.remembered_while_loading():
        assert early_signals.received == []
        with stop_on_ctrl_c() as stopped:
            assert not stopped()


def test_a_process_that_ignores_ctrl_c_goes_on_ignoring_it_while_it_loads() -> None:
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with early_signals.remembered_while_loading():
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(1000))
            assert early_signals.received == []
    finally:
        signal.signal(signal.SIGINT, before)
