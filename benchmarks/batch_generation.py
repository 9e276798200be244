"""N samples as one batch against N sequential runs: 32 samples of 500 characters, 2×512 LSTM.

Speed does not depend on training, so the model is untrained. Both sides write the same
texts (sample i of the batch is the single run with seed + i; the samples that are, are
counted). They are timed in alternation, the single runs a quarter-batch at a time (4 runs,
about as long as the whole batch), so that a burst of load on a shared machine falls on
both sides alike.
"""

from __future__ import annotations

import statistics
import string

import torch

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
    fns = {"batched": batched, "quarter": quarter, "gain": gains.measure}
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
    same = sum(single_texts.get(i) == text for i, text in enumerate(batch_texts))
    row("samples that are their seed's single run, character for character", f"{same} of {samples}")
    return ratio


if __name__ == "__main__":
    run()
