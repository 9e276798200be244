"""How a training run looks on a terminal: tqdm bars for people, JSON lines for scripts."""

from __future__ import annotations

import json
import sys
import time

from tqdm import tqdm

from training.common.events import (
    Event,
    IngestEvent,
    NoteEvent,
    SaveFailedEvent,
    StepEvent,
    ValidationEvent,
    WarningEvent,
)


class JsonReporter:
    """One JSON object per line on stdout. Step events are thinned to four a second per
    model (and the last step), because a consumer wants a curve, not every batch."""

    def __init__(self, step_interval_s: float = 0.25) -> None:
        self.interval = step_interval_s
        self._last: dict[str, float] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepEvent):
            now = time.perf_counter()
            last_step = event.progress >= 1.0
            if not last_step and now - self._last.get(event.model, 0.0) < self.interval:
                return
            self._last[event.model] = now
        print(json.dumps(event.to_dict()), flush=True)

    def close(self) -> None:
        pass


class _Bar(tqdm):
    """A bar with a free-form status line after it (tqdm's postfix always starts with a comma)."""

    info = ""

    @property
    def format_dict(self) -> dict:
        return {**super().format_dict, "info": self.info}


class ProgressReporter:
    """On stderr: a bar for each stage of reading the corpus (bytes, with an ETA), then one
    bar per model counting percent of the budget."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bars: dict[str, _Bar] = {}
        self._val: dict[str, float] = {}
        self._ingest: tqdm | None = None
        self._stage = ""

    def _on_ingest(self, event: IngestEvent) -> None:
        if event.stage != self._stage:
            self._end_ingest()
            self._stage = event.stage
            self._ingest = tqdm(
                total=event.total,
                desc=event.stage,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                file=sys.stderr,
                dynamic_ncols=True,
                leave=False,  # gone once the stage ends, so an error that follows stands alone
                disable=None,  # only on a terminal: a log file gets no bar drawings
            )
        assert self._ingest is not None
        self._ingest.update(event.done - self._ingest.n)

    def _end_ingest(self) -> None:
        if self._ingest is not None:
            self._ingest.close()
            self._ingest = None

    def _bar(self, model: str) -> _Bar:
        if model not in self._bars:
            self._bars[model] = _Bar(
                total=100,
                desc=f"{model:>4}",
                position=len(self._bars),
                unit="%",
                file=sys.stderr,
                dynamic_ncols=True,
                bar_format="{desc} {percentage:3.0f}%|{bar:24}| {info}",
            )
        return self._bars[model]

    def __call__(self, event: Event) -> None:
        if not self.enabled:
            return
        if isinstance(event, IngestEvent):
            self._on_ingest(event)
            return
        self._end_ingest()
        if isinstance(event, StepEvent):
            bar = self._bar(event.model)
            bar.n = round(100 * event.progress, 1)
            val = self._val.get(event.model)
            bar.info = (
                f"step {event.step}  loss {event.loss:.3f}"
                + (f"  val {val:.3f}" if val is not None else "")
                + f"  {event.tokens_per_s:,.0f} tok/s  ETA {event.eta_s:.0f}s"
            )
            bar.refresh()
        elif isinstance(event, ValidationEvent):
            self._val[event.model] = event.loss_nats
        elif isinstance(event, WarningEvent):
            tqdm.write(f"warning: {event.message}", file=sys.stderr)
        elif isinstance(event, NoteEvent):
            tqdm.write(event.message, file=sys.stderr)
        elif isinstance(event, SaveFailedEvent):
            tqdm.write(
                f"warning: {event.message}; training goes on, the last checkpoint stands", file=sys.stderr
            )

    def close(self) -> None:
        self._end_ingest()
        for bar in self._bars.values():
            bar.close()
