"""The measurements behind the Explain page, computed off the GUI thread.

``compute_explanations`` is plain Python over the engine's measurement
functions and returns floats, strings and lists only, so the page never sees a
tensor. ``ExplainWorker`` runs it on a QThread (worker-object pattern).
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from PySide6.QtCore import QObject, Signal, Slot

from app.tasks import describe_error
from lstm_core.measure.gate_usage import measure_gate_usage
from lstm_core.measure.gradflow import measure_gradient_flow
from lstm_core.measure.probe import balanced_cases, probe_model
from lstm_core.measure.throughput import measure_throughput
from training.demo_corpus import corpus_text, probe_cases

EXPLODE_FACTOR = 3.0  # recurrent weights scaled by this push the RNN's per-step factor above 1
MAX_K = 200
MEASURE_SEED = 20_000  # held-out demo text for gradients and memory


def _explode_norms(rnn: Any, ids: list[int], max_k: int) -> dict[int, float]:
    scaled = copy.deepcopy(rnn.model)
    with torch.no_grad():
        for layer in range(scaled.config.layers):
            getattr(scaled.rnn, f"weight_hh_l{layer}").mul_(EXPLODE_FACTOR)
    return measure_gradient_flow(scaled, ids, max_k=max_k, windows=8)


def _spectral_norm(loaded: Any) -> float:
    w_hh = loaded.model.layer_weights(loaded.model.config.layers - 1)[1].detach().float()
    return float(torch.linalg.matrix_norm(w_hh, ord=2))


def compute_explanations(lstm: Any, rnn: Any, *, per_bucket: int = 60, max_k: int = MAX_K) -> dict[str, Any]:
    """Every figure of the Explain page for a pair of LoadedModel-like objects (either may be None)."""
    models = {name: m for name, m in (("lstm", lstm), ("rnn", rnn)) if m is not None}
    cases = balanced_cases(probe_cases(per_bucket * 60, seed=10_000), per_bucket)
    text = corpus_text(300, seed=MEASURE_SEED)
    out: dict[str, Any] = {"probe": {}, "gradflow": {}, "throughput": {}, "memory": {}, "spectral": {}}
    out["clip"] = {name: m.meta.training.grad_clip if m.meta.training else None for name, m in models.items()}
    for name, loaded in models.items():
        model, tokenizer = loaded.model, loaded.tokenizer
        result = probe_model(model, tokenizer, cases, name=name)
        out["probe"][name] = [(b.distance, b.accuracy, b.n) for b in result.buckets]
        ids = tokenizer.encode(text)
        out["gradflow"][name] = measure_gradient_flow(model, ids, max_k=max_k, windows=8)
        out["throughput"][name] = measure_throughput(model, name=name, steps=256, repeats=2).to_dict()
        out["memory"][name] = measure_gate_usage(model, tokenizer, text).to_dict()
        out["spectral"][name] = _spectral_norm(loaded)
    if rnn is not None:
        out["explode"] = _explode_norms(rnn, rnn.tokenizer.encode(text), max_k)
    return out


class ExplainWorker(QObject):
    finished = Signal(dict)  # the dict of compute_explanations
    failed = Signal(str)  # a readable message
    ended = Signal()  # no payload: run() returned either way, the thread may quit

    def __init__(self, lstm: Any, rnn: Any, *, per_bucket: int = 60, max_k: int = MAX_K) -> None:
        super().__init__()
        self.lstm, self.rnn = lstm, rnn
        self.per_bucket, self.max_k = per_bucket, max_k

    @Slot()
    def run(self) -> None:
        try:
            result = compute_explanations(self.lstm, self.rnn, per_bucket=self.per_bucket, max_k=self.max_k)
        except Exception as err:  # nothing may die silently in a thread
            self.failed.emit(describe_error(err))
        else:
            self.finished.emit(result)
        finally:
            self.ended.emit()
