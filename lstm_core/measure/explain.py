"""Every figure the Explain page shows for a pair of models, in one call.

The five claims of the notes, each measured on the loaded LSTM and vanilla RNN:
gradient flow (vanishing), the same RNN with its recurrent weights scaled up
(exploding), long-range recall by distance, tokens per second (the sequential
bottleneck) and how much memory each rewrites per step (rigid memory). The
result holds floats and small dataclasses only, so the page never sees a tensor.

Everything but the planted-fact probe is measured on the text the caller gives, and
``measured_on`` says in one line per claim what that was: the person's own held-out
text makes the page speak of their model, the demo text of the demo. Long-range recall
comes from the probe's planted facts (``cases``), from recurrences in the text itself
(``recall=True``, ``lstm_core.measure.recurrence``), or both.

On a large model the whole takes tens of seconds, so it reports the fraction done across
its stages (per model: probe, gradient flow, throughput, memory; then the exploding flow
and recall), each weighted by what it cost when measured once, and reads the stop flag
between stages, between probe cases and inside recall. The gradient flow, the throughput
and the memory stage are single passes and end before the flag is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import torch

from lstm_core.measure.context import MeasurementStopped
from lstm_core.measure.gate_usage import GateUsage, measure_gate_usage
from lstm_core.measure.gradflow import EXPLODE_FACTOR, gradient_flow, measure_gradient_flow, scaled_recurrence
from lstm_core.measure.probe import BucketScore, Case, greedy_completer, score_completions
from lstm_core.measure.recurrence import RecallReport, measure_recall
from lstm_core.measure.throughput import Throughput, measure_throughput
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer

MAX_K = 200  # furthest step back the gradient is followed
GRADFLOW_WINDOWS = 8  # fewer than the CLI's 16: the page should fill in within seconds
MEMORY_TOKENS = 2000  # tokens the gate usage reads (measure_gate_usage's own default)
THROUGHPUT_STEPS = 256
DEMO_SOURCE = "the demo text"  # what ``text`` is when the caller does not say

# What each stage cost a 1×512 character-level LSTM on a two-core laptop CPU, in seconds
# (measured once; the stages grow together with the model, so their shares hold). Recall
# is per model. Only the shares matter: they weight the fraction ``progress`` reports.
STAGE_SECONDS = {"gradflow": 13.0, "throughput": 12.0, "memory": 15.0, "recall": 5.0}
PROBE_CASE_SECONDS = 0.1  # one planted-fact case: a greedy completion, bound by Python more than the cell
# A step of each cell against the LSTM's: the RNN's one matrix against four gates' took
# a fifth to two thirds of the LSTM's time, stage by stage.
CELL_SHARE = {"lstm": 1.0, "gru": 0.75, "mingru": 0.5, "rnn": 0.3}
STAGE_WORDS = {
    "probe": "{who}'s recall of planted facts",
    "gradflow": "{who}'s gradient flow",
    "throughput": "{who}'s tokens per second",
    "memory": "how much memory {who} rewrites",
    "explode": f"the RNN's gradient with W_hh × {EXPLODE_FACTOR:g}",
    "recall": "recall of the words that recur",
}

Report = Callable[[float], None]  # the fraction done, 0..1


class ModelAndTokenizer(Protocol):
    """What is measured of each model (the window's LoadedModel fits)."""

    model: LanguageModel
    tokenizer: Tokenizer


@dataclass(frozen=True)
class Explanations:
    """Keyed by model name ("lstm", "rnn"); a model that is not loaded has no key."""

    probe: dict[str, list[BucketScore]]  # recall per distance bucket
    gradflow: dict[str, dict[int, float]]  # k -> mean gradient norm k steps back
    throughput: dict[str, Throughput]
    memory: dict[str, GateUsage]
    spectral: dict[str, float]  # largest singular value of the top layer's W_hh
    clip: dict[str, float | None]  # the gradient-clipping threshold each was trained with
    explode: dict[int, float] | None  # the RNN's gradient flow with W_hh x EXPLODE_FACTOR; None without RNN
    # claim ("vanishing", "exploding", "long", "bottleneck", "memory") -> one line on what it was measured on
    measured_on: dict[str, str] = field(default_factory=dict)
    recall: RecallReport | None = None  # recurrences in the text, when asked for (recall=True)


def exploded_gradient_flow(rnn: LanguageModel, ids: Sequence[int], *, max_k: int = MAX_K) -> dict[int, float]:
    """Gradient flow of a copy of the RNN whose recurrent weights are scaled by EXPLODE_FACTOR."""
    scaled = scaled_recurrence(rnn, EXPLODE_FACTOR)
    return measure_gradient_flow(scaled, list(ids), max_k=max_k, windows=GRADFLOW_WINDOWS)


def spectral_norm(model: LanguageModel) -> float:
    """Largest singular value of the top layer's recurrent weights: above 1, gradients can grow."""
    if model.config.cell == "mingru":
        return 1.0  # its recurrence is elementwise, h_(t-1) × (1 − z) with 0 < 1 − z < 1: at most 1
    w_hh = model.layer_weights(model.config.layers - 1)[1].detach().float()
    return float(torch.linalg.matrix_norm(w_hh, ord=2))


def stage_costs(
    models: Mapping[str, ModelAndTokenizer], *, cases: int, recall: bool
) -> dict[tuple[str, str], float]:
    """(stage, model name) -> its share of the work, in STAGE_SECONDS' units, in the order run."""
    costs: dict[tuple[str, str], float] = {}
    for name, loaded in models.items():
        share = CELL_SHARE.get(loaded.model.config.cell, 1.0)
        if cases:
            costs["probe", name] = PROBE_CASE_SECONDS * cases
        for stage in ("gradflow", "throughput", "memory"):
            costs[stage, name] = STAGE_SECONDS[stage] * share
    rnn = models.get("rnn")
    if rnn is not None:  # the same gradient flow, on the RNN's scaled copy
        costs["explode", "rnn"] = STAGE_SECONDS["gradflow"] * CELL_SHARE.get(rnn.model.config.cell, 1.0)
    if recall:
        costs["recall", ""] = sum(
            STAGE_SECONDS["recall"] * CELL_SHARE.get(m.model.config.cell, 1.0) for m in models.values()
        )
    return costs


class _Stages:
    """The fraction done across stages of known cost; the stop flag read before each."""

    def __init__(
        self,
        costs: dict[tuple[str, str], float],
        *,
        progress: Report | None,
        stop: Callable[[], bool] | None,
        measuring: Callable[[str], None] | None,
    ) -> None:
        self.costs, self.total, self.done = costs, sum(costs.values()) or 1.0, 0.0
        self.progress, self.stop, self.measuring = progress, stop, measuring
        self.shown = -1  # in thousandths: what a progress bar can show, so at most 1,000 calls

    def check(self) -> None:
        if self.stop is not None and self.stop():
            raise MeasurementStopped

    @contextmanager
    def stage(self, stage: str, name: str) -> Iterator[Report]:
        """One stage, after a look at the stop flag; what it yields reports within the stage."""
        self.check()
        cost = self.costs[stage, name]
        if self.measuring is not None:
            self.measuring(STAGE_WORDS[stage].format(who=f"the {name.upper()}"))
        yield lambda fraction: self._report(self.done + cost * min(max(fraction, 0.0), 1.0))
        self.done += cost
        self._report(self.done)

    def finish(self) -> None:
        self.check()  # a Cancel pressed during the last stage is honoured too
        self._report(self.total)

    def _report(self, done: float) -> None:
        shown = min(1000, round(1000 * done / self.total))
        if self.progress is not None and shown > self.shown:
            self.shown = shown
            self.progress(shown / 1000)


def _probe(
    model: LanguageModel, tokenizer: Tokenizer, cases: Sequence[Case], part: Report, check: Callable[[], None]
) -> list[BucketScore]:
    """``probe_model``'s buckets, with the stop flag read and progress reported case by case."""
    complete = greedy_completer(model, tokenizer)
    done = 0

    def each(prompt: str) -> str:
        nonlocal done
        check()
        answer = complete(prompt)
        done += 1
        part(done / len(cases))
        return answer

    return score_completions(cases, each)


def explain_models(
    models: Mapping[str, ModelAndTokenizer],
    *,
    text: str,
    clip: Mapping[str, float | None],
    cases: Sequence[Case] = (),
    source: str = DEMO_SOURCE,
    recall: bool = False,
    max_k: int = MAX_K,
    progress: Report | None = None,
    stop: Callable[[], bool] | None = None,
    measuring: Callable[[str], None] | None = None,
) -> Explanations:
    """Measure each of ``models`` ({"lstm": ..., "rnn": ...}) on ``text``, which ``source`` names
    in words ("the held-out end of notes.txt"); the probe runs on ``cases`` when any are given,
    and the recurrences of ``text`` are measured when ``recall`` is set.

    ``progress`` gets the fraction done (0..1, rising, 1.0 last), ``measuring`` a few words on
    each stage as it starts ("the LSTM's gradient flow"); ``stop`` is polled between stages and
    cases, and raises MeasurementStopped (``lstm_core.measure.context``'s) when it returns True."""
    stages = _Stages(
        stage_costs(models, cases=len(cases), recall=recall),
        progress=progress,
        stop=stop,
        measuring=measuring,
    )
    probe: dict[str, list[BucketScore]] = {}
    gradflow: dict[str, dict[int, float]] = {}
    throughput: dict[str, Throughput] = {}
    memory: dict[str, GateUsage] = {}
    spectral: dict[str, float] = {}
    measured_on: dict[str, str] = {}
    for name, loaded in models.items():
        model, tokenizer = loaded.model, loaded.tokenizer
        if cases:
            with stages.stage("probe", name) as part:
                probe[name] = _probe(model, tokenizer, cases, part, stages.check)
        ids = tokenizer.encode(text)
        with stages.stage("gradflow", name):
            flow = gradient_flow(model, ids, source=source, name=name, max_k=max_k, windows=GRADFLOW_WINDOWS)
        gradflow[name] = flow.norms
        measured_on["vanishing"] = flow.measured_on
        with stages.stage("throughput", name):
            throughput[name] = measure_throughput(model, name=name, steps=THROUGHPUT_STEPS, repeats=2)
        with stages.stage("memory", name):
            memory[name] = measure_gate_usage(model, tokenizer, text, max_tokens=MEMORY_TOKENS)
        measured_on["memory"] = f"the first {min(len(ids), MEMORY_TOKENS):,} tokens of {source}"
        spectral[name] = spectral_norm(model)
    rnn = models.get("rnn")
    explode = None
    if rnn is not None:
        ids = rnn.tokenizer.encode(text)
        with stages.stage("explode", "rnn"):
            flow = gradient_flow(
                rnn.model, ids, source=source, max_k=max_k, windows=GRADFLOW_WINDOWS, scale=EXPLODE_FACTOR
            )
        explode = flow.norms
        measured_on["exploding"] = f"the RNN with W_hh × {EXPLODE_FACTOR:g}, on {flow.measured_on}"
    report = None
    if recall:
        pairs = {name: (m.model, m.tokenizer) for name, m in models.items()}
        with stages.stage("recall", "") as part:
            report = measure_recall(pairs, text, source=source, progress=part, stop=stop)
    stages.finish()
    measured_on["long"] = "; ".join(
        ([f"the demo's planted facts ({len(cases)} probe documents)"] if cases else [])
        + ([f"recurrences in {report.measured_on}"] if report is not None else [])
    )
    measured_on["bottleneck"] = f"{THROUGHPUT_STEPS} steps on random ids, the models' own weights"
    return Explanations(
        probe=probe,
        gradflow=gradflow,
        throughput=throughput,
        memory=memory,
        spectral=spectral,
        clip={name: clip.get(name) for name in models},
        explode=explode,
        measured_on=measured_on,
        recall=report,
    )
