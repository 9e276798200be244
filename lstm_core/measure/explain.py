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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import torch

from lstm_core.measure.gate_usage import GateUsage, measure_gate_usage
from lstm_core.measure.gradflow import EXPLODE_FACTOR, gradient_flow, measure_gradient_flow, scaled_recurrence
from lstm_core.measure.probe import BucketScore, Case, probe_model
from lstm_core.measure.recurrence import RecallReport, measure_recall
from lstm_core.measure.throughput import Throughput, measure_throughput
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer

MAX_K = 200  # furthest step back the gradient is followed
GRADFLOW_WINDOWS = 8  # fewer than the CLI's 16: the page should fill in within seconds
MEMORY_TOKENS = 2000  # tokens the gate usage reads (measure_gate_usage's own default)
THROUGHPUT_STEPS = 256
DEMO_SOURCE = "the demo text"  # what ``text`` is when the caller does not say


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


def explain_models(
    models: Mapping[str, ModelAndTokenizer],
    *,
    text: str,
    clip: Mapping[str, float | None],
    cases: Sequence[Case] = (),
    source: str = DEMO_SOURCE,
    recall: bool = False,
    max_k: int = MAX_K,
) -> Explanations:
    """Measure each of ``models`` ({"lstm": ..., "rnn": ...}) on ``text``, which ``source`` names
    in words ("the held-out end of notes.txt"); the probe runs on ``cases`` when any are given,
    and the recurrences of ``text`` are measured when ``recall`` is set."""
    probe: dict[str, list[BucketScore]] = {}
    gradflow: dict[str, dict[int, float]] = {}
    throughput: dict[str, Throughput] = {}
    memory: dict[str, GateUsage] = {}
    spectral: dict[str, float] = {}
    measured_on: dict[str, str] = {}
    for name, loaded in models.items():
        model, tokenizer = loaded.model, loaded.tokenizer
        if cases:
            probe[name] = list(probe_model(model, tokenizer, cases, name=name).buckets)
        ids = tokenizer.encode(text)
        flow = gradient_flow(model, ids, source=source, name=name, max_k=max_k, windows=GRADFLOW_WINDOWS)
        gradflow[name] = flow.norms
        measured_on["vanishing"] = flow.measured_on
        throughput[name] = measure_throughput(model, name=name, steps=THROUGHPUT_STEPS, repeats=2)
        memory[name] = measure_gate_usage(model, tokenizer, text, max_tokens=MEMORY_TOKENS)
        measured_on["memory"] = f"the first {min(len(ids), MEMORY_TOKENS):,} tokens of {source}"
        spectral[name] = spectral_norm(model)
    rnn = models.get("rnn")
    explode = None
    if rnn is not None:
        ids = rnn.tokenizer.encode(text)
        flow = gradient_flow(
            rnn.model, ids, source=source, max_k=max_k, windows=GRADFLOW_WINDOWS, scale=EXPLODE_FACTOR
        )
        explode = flow.norms
        measured_on["exploding"] = f"the RNN with W_hh × {EXPLODE_FACTOR:g}, on {flow.measured_on}"
    report = None
    if recall:
        pairs = {name: (m.model, m.tokenizer) for name, m in models.items()}
        report = measure_recall(pairs, text, source=source)
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
