"""How many kernel threads a generation step runs on: one or the whole team, chosen by
timing a stepper's first steps.

A step at batch 1 is a few small matrix products. Split over every core, each product
first wakes the kernel threads that went to sleep while the step's Python ran. Where an
idle core takes tens of microseconds to wake (a virtual machine's), that costs more than
the split saves: a 2×512 LSTM with int8 step weights streamed 174 µs a character on one
thread against 221 on two, on a 2-core AMD EPYC VM. A 2×1024 LSTM there streamed faster on
two (315 against 382), as do 32 samples at once (which lstm_core.batch_stepper therefore
never times), and on a machine whose cores wake cheaply two threads win sooner. No size
rule fits every machine, so each stepper times its first steps both ways, in alternating
blocks, keeps the faster, and checks the other way now and then.

The choice changes speed only: every product sums in the same order whatever the team
(tests/lstm_core/test_step_threads.py holds a step's logits equal on one thread and on two).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

import torch

from lstm_core.openmp_team import can_run_alone, on_one_thread

T = TypeVar("T")

BLOCK = 4  # steps timed in a row one way before switching
FIRST_BLOCKS = 8  # alternating blocks that make the first choice: 32 steps
RECHECK_EVERY = 128  # steps; then a block the other way, since a burst of load can mislead a choice
KEPT = 16  # latest step times kept for each way


def _median(values: deque[float]) -> float:
    return sorted(values)[len(values) // 2]


class StepThreads:
    """Runs a stepper's steps on one kernel thread or on the calling thread's team."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.choosing = can_run_alone() and torch.get_num_threads() > 1
        self.times: dict[bool, deque[float]] = {True: deque(maxlen=KEPT), False: deque(maxlen=KEPT)}
        self.alone = False  # the choice so far: True for one thread
        self.steps = 0

    def _next_alone(self) -> bool:
        block = self.steps // BLOCK
        if block < FIRST_BLOCKS:
            return block % 2 == 1
        recheck = block % (RECHECK_EVERY // BLOCK) == 0
        return self.alone != recheck

    def run(self, step: Callable[..., T], *args: object) -> T:
        """``step(*args)`` on the chosen threads (or on the way being timed)."""
        if not self.choosing:
            return step(*args)
        alone = self._next_alone()
        start = self.clock()
        result = on_one_thread(step, *args) if alone else step(*args)
        self.times[alone].append(self.clock() - start)
        self.steps += 1
        if self.steps % BLOCK == 0 and self.steps >= FIRST_BLOCKS * BLOCK:
            self.alone = _median(self.times[True]) < _median(self.times[False])
        return result
