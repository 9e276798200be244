"""N samples as one batch against N sequential runs: 32 samples of 500 characters, 2×512 LSTM.

Speed does not depend on training, so the model is untrained. Both sides write the same
texts (sample i of the batch is the single run with seed + i; the samples that are, are
counted). They are timed in alternation, the single runs a quarter-batch at a time (4 runs,
about as long as the whole batch), so that a burst of load on a shared machine falls on
both sides alike.
"""

from __future__ import annotations

import functools
import statistics
import string
import time
from collections.abc import Callable

import torch
from torch import Tensor

from benchmarks.common import interleaved, row, time_per_call
from lstm_core.batch_sampling import generate_samples
from lstm_core.batch_stepper import FastBatchStepper, make_batch_stepper
from lstm_core.config import ModelConfig
from lstm_core.model import LanguageModel
from lstm_core.openmp_team import on_one_thread
from lstm_core.sampling import SamplingSettings, generate
from lstm_core.tokenizers import CharTokenizer

SAMPLES = 32
CHARS = 500


QUARTER = 4  # single runs timed together, against one batch


class _TeamGains:
    """How much the other kernel threads add at each round: the batch's largest matrix
    product timed on the whole team and on one thread. On a virtual machine whose host runs
    its cores as one now and then, the batch's speed moves with it; the single runs, on one
    thread, do not."""

    def __init__(self, model: LanguageModel, rows: int) -> None:
        stepper = make_batch_stepper(model)
        stepper.prefill([1], rows)
        assert isinstance(stepper, FastBatchStepper) and stepper.state is not None
        self.product, self.rows = stepper.fast.products[0], stepper.state.h[0]
        self.seen: list[float] = []

    def measure(self) -> None:
        team = time_per_call(lambda: self.product(self.rows), repeats=20, warmup=1)
        alone = time_per_call(lambda: on_one_thread(self.product, self.rows), repeats=20, warmup=1)
        self.seen.append(alone / team)


class _TimedProduct:
    """A step's matrix product that records how long each of its calls took."""

    def __init__(self, product: Callable[[Tensor], Tensor]) -> None:
        self.product = product
        self.seconds: list[float] = []

    def __call__(self, rows: Tensor) -> Tensor:
        start = time.perf_counter()
        out = self.product(rows)
        self.seconds.append(time.perf_counter() - start)
        return out


class _ProductsInStep:
    """The batch's matrix products timed inside its steps, on the team, and the same products
    called back to back on one kernel thread. Two threads each running half of a product's
    rows keep a core's full pace, so the team could halve the one-thread time; between two
    products of a step, though, the cells and the draws run on one core, and kernel threads
    that went to sleep meanwhile must wake for the next product, which on a virtual machine
    whose idle cores halt costs a large part of what the team saves (docs/benchmarks.md)."""

    def __init__(self, model: LanguageModel, tokenizer: CharTokenizer, rows: int) -> None:
        self.model, self.tokenizer, self.rows = model, tokenizer, rows
        self.inside: list[float] = []
        self.one_thread: list[float] = []

    def measure(self) -> None:
        stepper = make_batch_stepper(self.model)
        if not isinstance(stepper, FastBatchStepper):
            return
        timed = [_TimedProduct(product) for product in stepper.fast.products]
        stepper.fast.products = timed  # type: ignore[assignment]
        settings = SamplingSettings(max_tokens=100, seed=0)
        generate_samples(self.model, self.tokenizer, "ROMEO:", settings, self.rows, stepper=stepper)
        assert stepper.state is not None
        self.inside.append(sum(statistics.median(product.seconds) for product in timed))
        pairs = zip(timed, stepper.state.h, strict=True)
        calls = [functools.partial(on_one_thread, product.product, rows) for product, rows in pairs]
        self.one_thread.append(sum(time_per_call(call, repeats=20, warmup=2) for call in calls))


def run(samples: int = SAMPLES, chars: int = CHARS, rounds: int = 16) -> float:
    torch.manual_seed(0)
    tokenizer = CharTokenizer(sorted(set(string.printable)))
    model = LanguageModel(ModelConfig(vocab_size=tokenizer.vocab_size, layers=2, hidden=512)).eval()
    settings = SamplingSettings(max_tokens=chars, seed=0)

    alone: list[bool] = []  # per batch: did its steps end on one kernel thread?
    batch_texts: list[str] = []

    def batched() -> None:
        stepper = make_batch_stepper(model)
        written = generate_samples(model, tokenizer, "ROMEO:", settings, samples, stepper=stepper)
        batch_texts[:] = [sample.text for sample in written]
        alone.append(isinstance(stepper, FastBatchStepper) and stepper.threads.alone)

    next_seed = iter(range(10**9))
    single_texts: dict[int, str] = {}

    def quarter() -> None:  # the next few single runs; every seed's text is as long
        for _ in range(QUARTER):
            seed = next(next_seed) % samples
            pieces = generate(model, tokenizer, "ROMEO:", SamplingSettings(max_tokens=chars, seed=seed))
            single_texts[seed] = "".join(pieces)

    gains = _TeamGains(model, samples)
    products = _ProductsInStep(model, tokenizer, samples)
    fns = {"batched": batched, "quarter": quarter, "gain": gains.measure, "products": products.measure}
    times = interleaved(fns, rounds=rounds, warmup=1)
    times["sequential"] = times["quarter"] * samples / QUARTER
    total = samples * chars
    ratio = times["sequential"] / times["batched"]
    print(f"batched generation: {samples} samples × {chars} characters, 2×512 char LSTM", flush=True)
    row(f"{samples} samples as one batch", f"{total / times['batched']:,.0f} chars/s")
    row(f"{samples} sequential runs", f"{total / times['sequential']:,.0f} chars/s")
    row("ratio", f"{ratio:.2f} ×", "target ≥ 8 ×")
    team = torch.get_num_threads()
    row(f"batches whose steps chose one kernel thread over {team}", f"{sum(alone)} of {len(alone)}")
    if team > 1:
        low, mid = min(gains.seen), statistics.median(gains.seen)
        gain = f"{mid:.2f} × (lowest {low:.2f})"
        row(f"the batch's largest product on {team} kernel threads / on one", gain)
    if products.inside and team > 1:
        inside, one_thread = statistics.median(products.inside), statistics.median(products.one_thread)
        row(
            f"a step's products: on {team} kernel threads inside it / on one, back to back",
            f"{inside * 1e6:,.0f} / {one_thread * 1e6:,.0f} µs",
        )
    same = sum(single_texts.get(i) == text for i, text in enumerate(batch_texts))
    row("samples that are their seed's single run, character for character", f"{same} of {samples}")
    return ratio


if __name__ == "__main__":
    run()
