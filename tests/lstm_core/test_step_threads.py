"""A step runs on one kernel thread or on the team, whichever its first steps measured faster,
and the choice changes nothing but speed."""

from __future__ import annotations

import sys
import threading

import pytest
import torch

from lstm_core import LanguageModel, ModelConfig
from lstm_core.batch_stepper import FastBatchStepper
from lstm_core.hardware import kernel_threads
from lstm_core.openmp_team import can_run_alone, on_one_thread
from lstm_core.step_threads import BLOCK, FIRST_BLOCKS, RECHECK_EVERY, StepThreads
from lstm_core.stepper import FastStepper

needs_runtime = pytest.mark.skipif(not can_run_alone(), reason="no OpenMP runtime found beside torch")


def test_torchs_openmp_runtime_is_found_on_linux() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the Linux wheels ship libgomp; elsewhere a missing runtime only costs speed")
    assert can_run_alone()


@needs_runtime
def test_one_thread_for_a_call_leaves_every_other_thread_its_team() -> None:
    seen: dict[str, int] = {}

    def started_meanwhile() -> None:
        seen["new thread"] = torch.get_num_threads()

    def call() -> int:
        thread = threading.Thread(target=started_meanwhile)
        thread.start()
        thread.join()
        return torch.get_num_threads()

    with kernel_threads(2, restore=torch.get_num_threads()):
        assert on_one_thread(call) == 1
        assert torch.get_num_threads() == 2
    # torch.set_num_threads would have started the new thread on one kernel thread too
    assert seen["new thread"] == 2


@needs_runtime
def test_the_team_comes_back_after_a_step_that_raises() -> None:
    def fails() -> None:
        raise ValueError("a step that fails")

    with kernel_threads(2, restore=torch.get_num_threads()):
        with pytest.raises(ValueError):
            on_one_thread(fails)
        assert torch.get_num_threads() == 2


def _model(hidden: int) -> LanguageModel:
    torch.manual_seed(0)
    return LanguageModel(ModelConfig(vocab_size=60, layers=2, hidden=hidden, embed=32)).eval()


@needs_runtime
@pytest.mark.parametrize("int8", [True, False])
def test_a_steps_logits_are_the_same_on_one_thread_and_on_two(int8: bool) -> None:
    model = _model(256)
    logits = {}
    with kernel_threads(2, restore=torch.get_num_threads()):
        for alone in (True, False):
            stepper = FastStepper(model, int8=int8)
            stepper.threads.choosing = False  # every step the way this loop says
            stepper.prefill([1, 2, 3])
            step = stepper.step
            logits[alone] = torch.stack([on_one_thread(step, t) if alone else step(t) for t in range(40)])
    assert torch.equal(logits[True], logits[False])


@needs_runtime
@pytest.mark.parametrize("rows", [24, 40])  # 1,024 gate values a row: numpy, then torch
def test_a_batch_steps_the_same_on_one_thread_and_on_two(rows: int) -> None:
    model, tokens = _model(256), torch.arange(rows) % 60
    logits = {}
    with kernel_threads(2, restore=torch.get_num_threads()):
        for alone in (True, False):
            stepper = FastBatchStepper(model, int8=True)
            stepper.threads.choosing = False
            stepper.prefill([1, 2, 3], rows)
            step = stepper.step
            steps = [on_one_thread(step, tokens) if alone else step(tokens) for _ in range(20)]
            logits[alone] = torch.stack(steps)
    assert torch.equal(logits[True], logits[False])


class _Machine:
    """A clock and a step whose cost depends on the team the step runs on."""

    def __init__(self, alone_s: float, team_s: float) -> None:
        self.now = 0.0
        self.cost = {True: alone_s, False: team_s}
        self.ways: list[bool] = []

    def clock(self) -> float:
        return self.now

    def step(self) -> None:
        alone = torch.get_num_threads() == 1
        self.ways.append(alone)
        self.now += self.cost[alone]


@needs_runtime
@pytest.mark.parametrize("alone_faster", [True, False])
def test_the_first_steps_choose_the_faster_way(alone_faster: bool) -> None:
    machine = _Machine(alone_s=100e-6 if alone_faster else 300e-6, team_s=200e-6)
    with kernel_threads(2, restore=torch.get_num_threads()):
        threads = StepThreads(clock=machine.clock)
        first = FIRST_BLOCKS * BLOCK
        for _ in range(first + 50):
            threads.run(machine.step)
    assert machine.ways[:first].count(True) == first // 2  # both ways timed alike
    assert threads.alone is alone_faster
    assert all(way is alone_faster for way in machine.ways[first : first + 50])


@needs_runtime
def test_a_choice_made_under_a_burst_of_load_is_undone_by_the_next_checks() -> None:
    machine = _Machine(alone_s=100e-6, team_s=200e-6)  # a burst: the team looks slow at first
    with kernel_threads(2, restore=torch.get_num_threads()):
        threads = StepThreads(clock=machine.clock)
        for _ in range(FIRST_BLOCKS * BLOCK):
            threads.run(machine.step)
        assert threads.alone
        machine.cost[False] = 50e-6  # the burst is over: the team is faster
        for _ in range(4 * RECHECK_EVERY):
            threads.run(machine.step)
    assert not threads.alone
    assert machine.ways[-RECHECK_EVERY // 2 :].count(True) <= BLOCK


def test_a_team_of_one_has_nothing_to_choose() -> None:
    machine = _Machine(alone_s=100e-6, team_s=200e-6)
    with kernel_threads(1, restore=torch.get_num_threads()):
        threads = StepThreads(clock=machine.clock)
        for _ in range(40):
            threads.run(machine.step)
    assert not threads.choosing
    assert machine.now == pytest.approx(40 * 100e-6)


@needs_runtime
def test_a_batch_times_its_steps_only_while_it_has_few_rows() -> None:
    model = _model(256)  # 1,024 gate values a row: above 32 rows the many-rows step
    with kernel_threads(2, restore=torch.get_num_threads()):
        for rows, timed in ((40, False), (8, True)):
            stepper = FastBatchStepper(model, int8=True)
            stepper.prefill([1, 2, 3], rows)
            for _ in range(5):
                stepper.step(torch.arange(rows) % 60)
            assert stepper.fast.many_rows(rows) is not timed
            assert (stepper.threads.steps == 5) is timed
