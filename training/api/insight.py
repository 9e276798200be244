"""The measurements that explain a model, as calls that return the engine's own result objects:
what ``lstm-studio context``, ``units``, ``probe`` and ``gradflow`` print.

Each reads its text from ``text`` (a string) or ``path`` (a file or folder, of which only the
start it needs is read, as the CLI does); ``probe`` uses the demo's probe cases, and
``gradflow`` without either uses the demo's held-out text.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from lstm_core.measure.context import SCORED_TOKENS, ContextCurve, measure_context
from lstm_core.measure.gradflow import DEFAULT_MAX_K, WARMUP, measure_gradient_flow
from lstm_core.measure.probe import ProbeResult, probe_model
from lstm_core.measure.units import MAX_TOKENS, TOP, UnitsReport, rank_units
from lstm_core.options import OptionError
from training.api.model import Model
from training.cli.insight import context_tokens
from training.cli.measure import GRADFLOW_SPREAD, model_name, read_start

# The windows gradient flow averages over when none are asked for: its own default.
_GRADFLOW_WINDOWS: int = inspect.signature(measure_gradient_flow).parameters["windows"].default


def _text(model: Model, *, text: str | None, path: str | Path | None, tokens: int) -> str:
    """The text given, or the start of the file or folder at ``path`` holding ``tokens`` tokens."""
    if (text is None) == (path is None):
        raise OptionError("give the text to measure on as text= or as path=, one of the two")
    if text is not None:
        return text
    assert path is not None
    return read_start(Path(path), model.tokenizer, tokens).text


def context(
    model: Model, *, text: str | None = None, path: str | Path | None = None, tokens: int = SCORED_TOKENS
) -> ContextCurve:
    """How far back the model looks: its loss on ``tokens`` positions when it may see only the
    last k tokens before each, against the loss with the state carried from the start."""
    needed = context_tokens(tokens)
    ids = model.tokenizer.encode(_text(model, text=text, path=path, tokens=needed))[:needed]
    return measure_context(model.network, ids, scored=tokens, name=model_name(model.path))


def units(
    model: Model,
    *,
    text: str | None = None,
    path: str | Path | None = None,
    patterns: tuple[str, ...] | list[str] = (),
    baseline: bool = True,
    tokens: int = MAX_TOKENS,
    top: int = TOP,
) -> UnitsReport:
    """Every hidden (h) and cell (C) unit ranked by its correlation with simple properties of
    the text (quotes, brackets, line position, and a match of each regex in ``patterns``);
    with ``baseline``, beside the best an untrained model of the same shape reaches."""
    return rank_units(
        model.network,
        model.tokenizer,
        _text(model, text=text, path=path, tokens=tokens),
        patterns=patterns,
        baseline=baseline,
        max_tokens=tokens,
        top=top,
        name=model_name(model.path),
    )


def probe(model: Model, *, per_bucket: int | None = None, seed: int | None = None) -> ProbeResult:
    """Long-range recall: how often the model completes a fact stated earlier, by the distance
    since it was stated, on the demo's held-out probe cases (meaningful for models trained on
    text like the demo's)."""
    from training.demo.demo_corpus import demo_probe_cases

    chosen = {"per_bucket": per_bucket, "seed": seed}
    cases = demo_probe_cases(**{k: v for k, v in chosen.items() if v is not None})
    return probe_model(model.network, model.tokenizer, cases, name=model_name(model.path))


def gradflow(
    model: Model,
    *,
    text: str | None = None,
    path: str | Path | None = None,
    max_k: int = DEFAULT_MAX_K,
    windows: int = _GRADFLOW_WINDOWS,
) -> dict[int, float]:
    """The mean norm of the gradient of the loss at step t reaching the hidden state k steps
    back, for k = 1 .. max_k, over ``windows`` windows of the text (the demo's by default)."""
    length = max_k + WARMUP + 1  # one window's tokens
    if text is None and path is None:
        from training.demo.demo_corpus import demo_measure_text

        text = demo_measure_text()
    ids = model.tokenizer.encode(
        _text(model, text=text, path=path, tokens=length * windows * GRADFLOW_SPREAD)
    )
    if len(ids) < length:
        raise OptionError(f"the text has {len(ids)} tokens; at least {length} are needed for max_k {max_k}")
    return measure_gradient_flow(model.network, ids, max_k=max_k, windows=windows)
