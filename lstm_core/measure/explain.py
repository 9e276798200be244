"""Every figure the Explain page shows for a pair of models, in one call.

The five claims of the notes, each measured on the loaded LSTM and vanilla RNN:
gradient flow (vanishing), the same RNN with its recurrent weights scaled up
(exploding), long-range recall by distance, tokens per second (the sequential
bottleneck) and how much memory each rewrites per step (rigid memory). The
result holds floats and small dataclasses only, so the page never sees a tensor.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

from lstm_core.measure.gate_usage import GateUsage, measure_gate_usage
from lstm_core.measure.gradflow import measure_gradient_flow
from lstm_core.measure.probe import BucketScore, Case, probe_model
from lstm_core.measure.throughput import Throughput, measure_throughput
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer

EXPLODE_FACTOR = 3.0  # recurrent weights scaled by this push the RNN's per-step factor above 1
MAX_K = 200  # furthest step back the gradient is followed
GRADFLOW_WINDOWS = 8  # fewer than the CLI's 16: the page should fill in within seconds


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


def exploded_gradient_flow(rnn: LanguageModel, ids: Sequence[int], *, max_k: int = MAX_K) -> dict[int, float]:
    """Gradient flow of a copy of the RNN whose recurrent weights are scaled by EXPLODE_FACTOR."""
    scaled = copy.deepcopy(rnn)
    with torch.no_grad():
        for layer in range(scaled.config.layers):
            getattr(scaled.rnn, f"weight_hh_l{layer}").mul_(EXPLODE_FACTOR)
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
    cases: Sequence[Case],
    text: str,
    clip: Mapping[str, float | None],
    max_k: int = MAX_K,
) -> Explanations:
    """Measure each of ``models`` ({"lstm": ..., "rnn": ...}) on the probe cases and the text."""
    probe: dict[str, list[BucketScore]] = {}
    gradflow: dict[str, dict[int, float]] = {}
    throughput: dict[str, Throughput] = {}
    memory: dict[str, GateUsage] = {}
    spectral: dict[str, float] = {}
    for name, loaded in models.items():
        model, tokenizer = loaded.model, loaded.tokenizer
        probe[name] = list(probe_model(model, tokenizer, cases, name=name).buckets)
        ids = tokenizer.encode(text)
        gradflow[name] = measure_gradient_flow(model, ids, max_k=max_k, windows=GRADFLOW_WINDOWS)
        throughput[name] = measure_throughput(model, name=name, steps=256, repeats=2)
        memory[name] = measure_gate_usage(model, tokenizer, text)
        spectral[name] = spectral_norm(model)
    rnn = models.get("rnn")
    explode = None
    if rnn is not None:
        explode = exploded_gradient_flow(rnn.model, rnn.tokenizer.encode(text), max_k=max_k)
    return Explanations(
        probe=probe,
        gradflow=gradflow,
        throughput=throughput,
        memory=memory,
        spectral=spectral,
        clip={name: clip.get(name) for name in models},
        explode=explode,
    )
