from __future__ import annotations

import os
import sys
import threading

import pytest

from training.runtime.thread_priority import TRAINING_NICENESS, lower_this_thread


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own niceness is Linux's")
def test_only_the_calling_thread_is_lowered() -> None:
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: list[int | None] = []

    def work() -> None:
        seen.append(lower_this_thread())
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    if seen[0] is None:
        pytest.skip("this sandbox does not let a thread change its priority")
    assert seen == [min(19, before + TRAINING_NICENESS)] * 2
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before  # the caller: untouched
