"""The training dashboard's lines of text, as plain functions of the engine's events.

Kept apart from the widget so each line can be tested without a run: the progress
text, one step count per model (the LSTM and the RNN run at different speeds), the
validation line in a fixed model order, and what a resumable run is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from training.checkpoints.checkpoint import CheckpointError, read_metadata
from training.checkpoints.run_meta import RunMeta
from training.common.events import (
    FinishedEvent,
    FinishReason,
    IngestEvent,
    NoteEvent,
    StepEvent,
    ValidationEvent,
)
from training.presets.presets import get_preset
from training.run_spec import RunSpec

MODEL_ORDER = ("lstm", "gru", "rnn")  # the main model first, its contrast after, in every line

# How the preset's note begins as it starts timing this machine (training.presets.preset_fit).
TIMING_NOTE = "timing "
TIMING_TEXT = "Timing the preset on this machine…"  # short: the bar is one line
PREPARING_TEXT = "Corpus read · preparing the run…"
# The stages that end reading the corpus (IngestEvent.stage): fresh tokens, or the cache's.
LAST_INGEST_STAGES = ("tokenising", "reusing tokens")
# A write-up in the source repository that the engine's notes name for developers, e.g.
# "; benchmarks/SWEEP.md says why": the installed program ships no such file.
_FILE_REFERENCE = re.compile(r";\s*[\w./-]+\.md says why")

T = TypeVar("T")


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def in_model_order(by_model: Mapping[str, T]) -> list[T]:
    """Values of a {model: value} map, the main model first whatever arrived first."""

    def rank(model: str) -> tuple[int, str]:
        return (MODEL_ORDER.index(model) if model in MODEL_ORDER else len(MODEL_ORDER), model)

    return [by_model[m] for m in sorted(by_model, key=rank)]


def progress_text(latest: Mapping[str, StepEvent]) -> tuple[float, str]:
    """(fraction done, "20 % · ETA 2:24") over every model of the run."""
    events = list(latest.values())
    fraction = sum(e.progress for e in events) / len(events)
    eta = sum(e.eta_s for e in events)  # the models take turns, so their times add up
    return fraction, f"{fraction:.0%} · ETA {format_duration(eta)}"


def speed_text(latest: Mapping[str, StepEvent]) -> str:
    """One line per model, "LSTM step 356 / 1,000 · 9,800 tok/s": side by side, a narrow dock
    wrapped the second model's line in the middle."""
    parts = []
    for e in in_model_order(latest):
        total = f" / {e.total_steps:,}" if e.total_steps else ""
        parts.append(f"{e.model.upper()} step {e.step:,}{total} · {e.tokens_per_s:,.0f} tok/s")
    return "\n".join(parts)


def final_speed_text(latest: Mapping[str, StepEvent], results: Sequence[FinishedEvent]) -> str:
    """The step lines once a run has ended, from its FinishedEvents. The live lines skip the
    steps that arrive while a run stops (and a divergence undoes some), so they could name an
    earlier step than the run ended at. The rate is the run's average."""
    lines = []
    for r in in_model_order({r.model: r for r in results}):
        live = latest.get(r.model)
        total = f" / {live.total_steps:,}" if live is not None and live.total_steps else ""
        lines.append(f"{r.model.upper()} step {r.steps:,}{total} · {r.tokens_per_s:,.0f} tok/s")
    return "\n".join(lines) or "–"


def paused_text(latest: Mapping[str, StepEvent]) -> str:
    steps = ", ".join(f"{e.model.upper()} at step {e.step:,}" for e in in_model_order(latest))
    return f"Paused{': ' + steps if steps else ''}. Press Resume (F7) to go on."


def validation_text(vals: Mapping[str, ValidationEvent]) -> str:
    """One line per model, for the same reason as ``speed_text``."""
    return "\n".join(
        f"{v.model.upper()} validation: {v.loss_nats:.3f} nats ({v.bits_per_char:.2f} bits/char)"
        for v in in_model_order(vals)
    )


def clipped_text(clipped: Mapping[str, int]) -> str:
    return "Clipped steps: " + " · ".join(f"{m.upper()} {n:,}" for m, n in _ordered_items(clipped))


def _ordered_items(values: Mapping[str, int]) -> list[tuple[str, int]]:
    return list(zip(in_model_order({m: m for m in values}), in_model_order(values), strict=True))


# The engine's reasons, as a person would say them: a cancelled run is one they stopped.
REASON_WORDS: dict[FinishReason, str] = {
    "completed": "finished",
    "cancelled": "stopped",
    "diverged": "diverged",
}


def _said(reason: FinishReason) -> str:
    return REASON_WORDS[reason]


def finish_summary(results: Sequence[FinishedEvent]) -> str:
    """Every model's reason, e.g. "LSTM finished · RNN diverged · 1:32"."""
    if not results:
        return "stopped before training began"
    ordered = in_model_order({r.model: r for r in results})
    reasons = " · ".join(f"{r.model.upper()} {_said(r.reason)}" for r in ordered)
    return f"{reasons} · {format_duration(sum(r.seconds for r in results))}"


def diverged_text(diverged: Sequence[FinishedEvent], warnings: str) -> str:
    names = " and ".join(r.model.upper() for r in diverged)
    details = warnings or "The loss became too large to go on."
    return f"{names} diverged and stopped; its last good weights were kept.\n\n{details}"


def last_run_gone_text(last_run: str) -> str:
    """Resume, after its run's folder was deleted (the Runs tab, or elsewhere)."""
    folder = Path(last_run)
    what = "no longer holds its checkpoint" if folder.exists() else "is gone: it was deleted or moved"
    return (
        f"The folder of run {folder.name} ({folder}) {what}, so there is nothing to resume. "
        "Start a new run, or resume another from the Runs tab."
    )


def finish_lines(results: Iterable[FinishedEvent]) -> str:
    ordered = in_model_order({r.model: r for r in results})
    if not ordered:  # stopped while the corpus was read
        return "Stopped while reading the corpus; nothing was trained."
    return "Training ended: " + "; ".join(
        f"{r.model.upper()} {_said(r.reason)} after {r.steps:,} steps" for r in ordered
    )


def ingest_progress(event: IngestEvent) -> tuple[int, str]:
    """Reading a large corpus comes before the first step: the same bar, with its stage. Its
    last stage done, the bar says what comes next rather than "tokenising 100%"."""
    if event.stage in LAST_INGEST_STAGES and event.fraction >= 1.0:
        return 1000, PREPARING_TEXT
    eta = f" · ETA {format_duration(event.eta_s)}" if event.eta_s is not None else ""
    return round(event.fraction * 1000), f"Corpus: {event.stage} {event.fraction:.0%}{eta}"


def is_timing_note(event: NoteEvent) -> bool:
    """The note that says the preset's timing has begun: the bar's news, not the run's."""
    return event.model == "run" and event.message.startswith(TIMING_NOTE)


def preparing_text(event: NoteEvent) -> str:
    """The bar between the corpus and the first step, where a note arrives: the corpus has
    been read, and the timing of the preset or the model's building is under way."""
    return TIMING_TEXT if is_timing_note(event) else PREPARING_TEXT


def note_text(message: str) -> str:
    """A note as the window shows it: without the repository's files that it names."""
    return _FILE_REFERENCE.sub("", message)


def budget_text(meta: RunMeta) -> str:
    if meta.training is None:
        return ""
    budget = meta.training.budget
    if budget.steps is not None:
        return f" of {budget.steps:,}"
    return f" ({budget.minutes:g} minutes per model)" if budget.minutes is not None else ""


def resume_text(run_dir: Path, meta: RunMeta) -> str:
    """What Resume would continue: "Can resume shakespeare-0412: LSTM at step 356 of 1,000, on …"."""
    corpus = meta.corpus.name or ", ".join(Path(f).name for f in meta.corpus.files) or "its corpus"
    cell = (meta.model.cell if meta.model else meta.name or "model").upper()
    return (
        f"Can resume {run_dir.name}: {cell} at step {meta.progress.step:,}{budget_text(meta)}, "
        f"on {corpus}. Press Resume (F7), or Start for a new run."
    )


def resumable(run_dir: Path) -> bool:
    """A run folder whose checkpoint says its budget is not used up. Reads only the header,
    so it is cheap enough for every state change on the GUI thread."""
    try:
        return read_metadata(run_dir).resumable
    except CheckpointError:
        return False


def idle_hint(last: Path | None, *, has_corpus: bool) -> str:
    """Before any run this session: what Resume would continue, or how to begin."""
    if last is not None:
        try:
            meta = read_metadata(last)
        except CheckpointError:
            meta = None
        if meta is not None and meta.resumable:
            return resume_text(last, meta)
    return (
        "Pick a preset and press Start (F5)."
        if has_corpus
        else "Open a corpus, pick a preset, press Start (F5)."
    )


def run_models(spec: RunSpec) -> tuple[str, ...] | None:
    """The models a run will train, by the names its events carry (the main model's cell,
    then "rnn" for the contrast); None when its checkpoint cannot say."""
    cell = spec.model_options.get("cell")
    if cell is None and spec.resume:
        try:
            model = read_metadata(spec.out_dir).model
        except CheckpointError:
            return None
        cell = model.cell if model is not None else None
    elif cell is None:
        cell = get_preset(spec.preset).model_fields(spec.level)["cell"]
    if cell is None:
        return None
    return tuple(dict.fromkeys((str(cell), "rnn") if spec.compare_rnn else (str(cell),)))
