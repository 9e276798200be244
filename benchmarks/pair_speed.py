"""The LSTM and the RNN answering the same prompt together, against the slower alone, and
the floor two cores set: the LSTM alone while an RNN generates in another process that
exchanges nothing with it.

On a machine whose cores share what a step needs (a core's sibling thread, the memory bus,
a power budget), a second busy process slows the first however little the two exchange;
the floor measures by how much, so that the pair's own overhead is what lies above it.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event as EventType

import torch

from benchmarks.common import interleaved, row
from lstm_core.hardware import kernel_threads
from lstm_core.model import LanguageModel
from lstm_core.pair import generate_pair
from lstm_core.pair_worker import PairWorker
from lstm_core.sampling import SamplingSettings, generate
from lstm_core.tokenizers import Tokenizer


def _generate_when_asked(
    rnn: LanguageModel, tokenizer: Tokenizer, prompt: str, busy: EventType, idle: EventType, done: EventType
) -> None:
    """Another process: the RNN generating on one thread in short bursts while ``busy`` is
    set, saying ``idle`` while it waits."""
    torch.set_num_threads(1)
    settings = SamplingSettings(max_tokens=50, temperature=0.8, seed=1)
    while not done.is_set():
        if not busy.is_set():
            idle.set()
            busy.wait(0.05)
            continue
        idle.clear()
        for _ in generate(rnn, tokenizer, prompt, settings):
            pass


def _floor(
    rnn: LanguageModel, tokenizer: Tokenizer, prompt: str, lstm_alone: Callable[[], None], rounds: int
) -> float:
    """The LSTM's time beside the busy RNN process over its time with that process idle,
    timed in alternation."""
    context = multiprocessing.get_context("spawn")
    busy, idle, done = context.Event(), context.Event(), context.Event()
    args = (rnn, tokenizer, prompt, busy, idle, done)
    other = context.Process(target=_generate_when_asked, args=args, daemon=True)
    other.start()

    def alone() -> None:
        busy.clear()
        idle.wait(120)
        lstm_alone()

    def beside() -> None:
        busy.set()
        while idle.is_set():
            time.sleep(0.001)
        lstm_alone()

    try:
        times = interleaved({"alone": alone, "beside": beside}, rounds=rounds)
    finally:
        done.set()
        busy.set()
        other.join(timeout=10)
        if other.is_alive():
            other.terminate()
    return times["beside"] / times["alone"]


def run(
    lstm: LanguageModel,
    rnn: LanguageModel,
    tokenizer: Tokenizer,
    prompt: str,
    settings: SamplingSettings,
    rounds: int,
) -> float:
    """Print the pair's rows; return together / slower alone."""
    all_threads = torch.get_num_threads()

    def drain(model: LanguageModel, threads: int) -> None:
        with kernel_threads(threads, restore=all_threads):
            for _ in generate(model, tokenizer, prompt, settings):
                pass

    # The pair as the window runs it: the RNN in the pair's worker process, started (and
    # sent the RNN by a first pair) before the timing, as the window starts it on loading an
    # RNN. "On threads" is the fallback while the worker starts, or where it cannot.
    worker = PairWorker()
    if not worker.wait_ready():
        print(f"  (the pair's worker process did not start: {worker.failure})")

    def pair(use_worker: bool = True) -> None:
        chosen = worker if use_worker else None
        for _ in generate_pair(lstm, rnn, tokenizer, tokenizer, prompt, settings, worker=chosen):
            pass

    pair()
    # Each model alone on all the kernel threads and on one (at batch 1 one can be as fast):
    # "alone" is the faster of the two, so the pair is held to the best either can do.
    runs = {
        f"{name} {n}": (lambda m=model, n=n: drain(m, n))
        for name, model in (("lstm", lstm), ("rnn", rnn))
        for n in sorted({1, all_threads})
    }
    times = interleaved({**runs, "pair": pair, "threads": lambda: pair(False)}, rounds=rounds)
    worker.close()
    alone = {name: min(t for key, t in times.items() if key.startswith(name)) for name in ("lstm", "rnn")}
    slower = max(alone.values())
    floor = _floor(rnn, tokenizer, prompt, lambda: drain(lstm, 1), rounds)
    ratio = times["pair"] / slower
    row("LSTM alone / RNN alone, s per 600 chars (best threads)", f"{alone['lstm']:.3f} / {alone['rnn']:.3f}")
    row("LSTM and RNN together (s)", f"{times['pair']:.3f}")
    row("together / slower alone", f"{ratio:.2f}", "target <= 1.20")
    row("the same on two threads of one process", f"{times['threads'] / slower:.2f}")
    row("floor: the LSTM beside a busy process it never talks to / alone", f"{floor:.2f}")
    return ratio
