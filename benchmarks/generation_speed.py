"""Generation speed of a 2x512 character LSTM: streaming chars/s against a naive
per-character nn.LSTM loop, time to the first character after a long prompt, and
the LSTM and the RNN generating the same prompt together against each alone."""

from __future__ import annotations

import string
import time

import torch

from benchmarks import pair_speed
from benchmarks.common import interleaved, row
from lstm_core import LanguageModel, ModelConfig
from lstm_core.batch_sampling import generate_samples
from lstm_core.sampling import SamplingSettings, generate
from lstm_core.stepper import FastStepper, make_stepper, use_int8
from lstm_core.tokenizers import CharTokenizer

LENGTH = 600


def _model(cell: str, vocab: int) -> LanguageModel:
    torch.manual_seed(0)
    return LanguageModel(ModelConfig(vocab_size=vocab, cell=cell, layers=2, hidden=512, embed=128)).eval()


@torch.no_grad()
def naive_generate(model: LanguageModel, prompt_ids: list[int], length: int) -> list[int]:
    """The loop people write first: nn.LSTM called once per character, sampling in torch."""
    state = None
    out = []
    token = torch.tensor([[prompt_ids[0]]])
    for t in range(len(prompt_ids) + length):
        result = model(token, state)
        state = result.state
        if t + 1 < len(prompt_ids):
            token = torch.tensor([[prompt_ids[t + 1]]])
            continue
        probs = torch.softmax(result.logits[0, -1] / 0.8, dim=-1)
        token = torch.multinomial(probs, 1).view(1, 1)
        out.append(int(token))
    return out


def _step_and_copy(stepper: FastStepper, repeats: int) -> tuple[float, float, int]:
    """(seconds per step, seconds to copy a buffer the size of the step's weights, bytes)."""
    stepper.prefill([1, 2, 3])
    source = torch.empty(stepper.weight_bytes(), dtype=torch.uint8)
    target = torch.empty_like(source)
    times = interleaved(
        {"step": lambda: [stepper.step(5) for _ in range(100)], "copy": lambda: target.copy_(source)},
        rounds=repeats // 100,
    )
    return times["step"] / 100, times["copy"], source.numel()


def step_against_bandwidth(model: LanguageModel, repeats: int = 2000) -> float:
    """A step's time against the time to read its weights once: copying a buffer of the
    same size (read once, written once) is the machine's bound for that read."""
    ratios = {}
    for int8 in (True, False):
        step, copy, size = _step_and_copy(FastStepper(model, int8=int8), repeats)
        label = "int8" if int8 else "float32"
        row(f"{label}: µs per step / to read its {size / 1e6:.1f} MB", f"{step * 1e6:.0f} / {copy * 1e6:.0f}")
        ratios[label] = step / copy
        row(f"{label}: step / bandwidth bound", f"{step / copy:.2f}", "target <= 1.5" if int8 else "")
    return ratios["int8"]


def run_on_gpu(device: torch.device, rounds: int = 3, samples: int = 32) -> dict[str, float]:
    """Streaming chars/s of one sample and of a batch of samples, the model on the GPU."""
    tokenizer = CharTokenizer(sorted(set(string.printable)))
    lstm = _model("lstm", tokenizer.vocab_size).to(device)
    settings = SamplingSettings(max_tokens=LENGTH, temperature=0.8, seed=1)

    def streamed() -> None:
        for _ in generate(lstm, tokenizer, "ROMEO:\n", settings):
            pass

    def batched() -> None:
        generate_samples(lstm, tokenizer, "ROMEO:\n", settings, samples)

    times = interleaved({"stream": streamed, "batch": batched}, rounds=rounds, warmup=1)
    stream_cps, batch_cps = LENGTH / times["stream"], samples * LENGTH / times["batch"]
    print(f"Generation on {device}, 2x512 char LSTM, {LENGTH} chars, temperature 0.8")
    row("streaming generator chars/s (one sample)", f"{stream_cps:,.0f}")
    row(f"{samples} samples as one batch, chars/s (all samples)", f"{batch_cps:,.0f}")
    return {"chars_per_s": stream_cps, "batch_chars_per_s": batch_cps}


def run(rounds: int = 5, device: torch.device | None = None) -> dict[str, float]:
    if device is not None and device.type != "cpu":
        return run_on_gpu(device)
    tokenizer = CharTokenizer(sorted(set(string.printable)))
    lstm, rnn = _model("lstm", tokenizer.vocab_size), _model("rnn", tokenizer.vocab_size)
    settings = SamplingSettings(max_tokens=LENGTH, temperature=0.8, seed=1)
    prompt = "ROMEO:\n"

    def streamed_exact() -> None:
        for _ in generate(lstm, tokenizer, prompt, settings, stepper=make_stepper(lstm, int8=False)):
            pass

    alone: list[bool] = []  # per streamed run: did its steps end on one kernel thread?

    def streamed_fast() -> None:
        stepper = make_stepper(lstm)
        for _ in generate(lstm, tokenizer, prompt, settings, stepper=stepper):
            pass
        alone.append(isinstance(stepper, FastStepper) and stepper.threads.alone)

    def streamed_on_team() -> None:  # every step on all the kernel threads: nothing chosen
        stepper = make_stepper(lstm)
        if isinstance(stepper, FastStepper):
            stepper.threads.choosing = False
        for _ in generate(lstm, tokenizer, prompt, settings, stepper=stepper):
            pass

    times = interleaved(
        {
            "fast": streamed_fast,
            "exact": streamed_exact,
            "team": streamed_on_team,
            "naive": lambda: naive_generate(lstm, tokenizer.encode(prompt), LENGTH),
        },
        rounds=rounds,
    )
    fast_cps, naive_cps = LENGTH / times["fast"], LENGTH / times["naive"]
    weights = "int8 step weights" if use_int8(lstm) else "float32 step weights"
    print(f"Generation, 2x512 char LSTM, batch 1, streaming {LENGTH} chars, temperature 0.8, {weights}")
    row("streaming generator chars/s", f"{fast_cps:,.0f}")
    row("the same with exact float32 step weights, chars/s", f"{LENGTH / times['exact']:,.0f}")
    team = torch.get_num_threads()
    row(f"the same with every step on all {team} kernel threads", f"{LENGTH / times['team']:,.0f}")
    row(f"runs whose steps chose one kernel thread over {team}", f"{sum(alone)} of {len(alone)}")
    row("naive nn.LSTM-per-character loop chars/s", f"{naive_cps:,.0f}")
    row("speed-up over naive", f"{fast_cps / naive_cps:.1f}x", "target >= 10x")
    step_against_bandwidth(lstm)

    long_prompt = ("Now is the winter of our discontent made glorious summer by this sun of York. " * 200)[
        :10_000
    ]
    first = []
    for _ in range(rounds):
        start = time.perf_counter()
        next(iter(generate(lstm, tokenizer, long_prompt, settings)))
        first.append(time.perf_counter() - start)
    first_ms = 1000 * sorted(first)[len(first) // 2]
    row("time to first char after a 10,000-char prompt", f"{first_ms:,.0f} ms", "target <= 100 ms")

    pair_ratio = pair_speed.run(lstm, rnn, tokenizer, prompt, settings, max(rounds, 9))
    return {
        "chars_per_s": fast_cps,
        "naive_chars_per_s": naive_cps,
        "first_char_ms": first_ms,
        "pair_ratio": pair_ratio,
    }
