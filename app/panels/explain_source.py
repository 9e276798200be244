"""What the Explain page measures on: the built-in demo on the demo text, with the demo's
planted-fact probe; any other model on the held-out end of its own corpus, with long-range
recall read from the recurrences of that text (``lstm_core.measure.recurrence``).

The probe asks for facts only the demo corpus states, so it says nothing of a model trained
on other text; the recurrences of a text are facts every text states about itself.
Runs in the background: reading the corpus end and measuring take seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.panels.insight_sections import held_out_text
from lstm_core.measure.explain import Explanations, explain_models
from lstm_core.measure.recurrence import WINDOW
from lstm_core.measure.recurrence_curves import MIN_CASES
from training.demo.demo_corpus import demo_measure_text, demo_probe_cases
from training.run_spec import own_corpus

RECALL_NEEDS = WINDOW + 2 * MIN_CASES  # tokens measure_recall refuses to go below
# A suffix of this many characters per needed token holds enough tokens for any tokenizer
# but a pathological one; encoding only it spares a second pass over a megabyte of text.
CHARS_PER_TOKEN_BOUND = 32


@dataclass(frozen=True)
class PageFigures:
    """One measurement of the page: the engine's figures and what they were measured on."""

    data: Explanations
    demo: bool  # the built-in demo on the demo text, with the planted-fact probe
    own_text: bool  # measured on the model's own corpus (False: on the demo text)
    recall_note: str  # why long-range recall was not measured; "" when it was (or for the demo)


def is_demo_pair(lstm: Any, rnn: Any) -> bool:
    """Every loaded model is the built-in demo's (a pair with nothing loaded is not)."""
    loaded = [m for m in (lstm, rnn) if m is not None]
    return bool(loaded) and all(getattr(m, "is_demo", False) for m in loaded)


def training_clip(loaded: Any) -> float | None:
    """The gradient-clipping threshold a loaded model was trained with, from its metadata."""
    training = loaded.meta.training
    return training.grad_clip if training is not None else None


def recall_shortfall(models: dict[str, Any], text: str) -> str:
    """Why ``text`` is too short for the recall measurement, or "" when it is long enough."""
    tail = text[-RECALL_NEEDS * CHARS_PER_TOKEN_BOUND :]
    for name, loaded in models.items():
        got = len(loaded.tokenizer.encode(tail))
        if got < RECALL_NEEDS and len(tail) < len(text):
            got = len(loaded.tokenizer.encode(text))
        if got < RECALL_NEEDS:
            return (
                f"the text has {got:,} tokens for the {name.upper()}, and recall needs "
                f"{RECALL_NEEDS:,} (a window of {WINDOW:,} read before anything is scored); "
                "a larger corpus gives it more"
            )
    return ""


def explain_pair(
    lstm: Any,
    rnn: Any,
    *,
    per_bucket: int,
    progress: Callable[[float], None] | None = None,
    stop: Callable[[], bool] | None = None,
    measuring: Callable[[str], None] | None = None,
) -> PageFigures:
    """Runs in the background: every figure of the page for a pair of LoadedModels (either may
    be None). ``progress``, ``stop`` and ``measuring`` go to ``explain_models``, whose
    MeasurementStopped ends this too."""
    models = {name: m for name, m in (("lstm", lstm), ("rnn", rnn)) if m is not None}
    clip = {name: training_clip(m) for name, m in models.items()}
    if is_demo_pair(lstm, rnn):
        cases = demo_probe_cases(per_bucket)
        text = demo_measure_text()
        data = explain_models(
            models, cases=cases, text=text, clip=clip, progress=progress, stop=stop, measuring=measuring
        )
        return PageFigures(data, demo=True, own_text=False, recall_note="")
    main = lstm if lstm is not None else rnn
    text, where = held_out_text(main)
    note = recall_shortfall(models, text)
    data = explain_models(
        models,
        text=text,
        clip=clip,
        source=where,
        recall=not note,
        progress=progress,
        stop=stop,
        measuring=measuring,
    )
    own = own_corpus(main.meta) is not None  # held_out_text's own test: else it gave the demo text
    return PageFigures(data, demo=False, own_text=own, recall_note=note)


def caveat_lines(figures: PageFigures) -> dict[str, str]:
    """One line per claim: what its figures were measured on, from the engine's own words."""
    lines = {}
    for claim, line in figures.data.measured_on.items():
        if claim == "long" and not line:
            lines[claim] = f"⚠ Not measured: {figures.recall_note}."
            continue
        lines[claim] = f"Measured on {line}."
    if not figures.demo and not figures.own_text:
        # A model that never read the demo text is measured on it only because its own is gone.
        for claim in ("vanishing", "exploding", "long", "memory"):
            if claim in lines:
                lines[claim] = f"⚠ {lines[claim]} This text is foreign to the model."
    return lines
