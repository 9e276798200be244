"""How a training run looks on a terminal: tqdm bars for people, plain lines for a log file or
a pipe, JSON lines for scripts. Output is never worth a run: a stream that fails (its reader
went away, the disk filled up) is silenced and the run goes on to its end and its save; one
that failed for any reason but its reader leaving is remembered (``lost_output``), so that the
command can say at its end that output is missing."""

from __future__ import annotations

import errno
import json
import math
import os
import sys
import time
from typing import TextIO

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

# A log file or a pipe gets one progress line this often: a record of the run, not a flood
# (a bar redrawn every step wrote megabytes of carriage returns in a 90-second run).
LINE_EVERY_S = 5.0
DAY_S = 86_400.0

# Why a standard stream's output was lost ("stdout (No space left on device)"), once per
# stream. A reader that left (EPIPE: `| head`) is not here: it had what it wanted. Process-wide,
# as the streams themselves are.
_lost: dict[str, str] = {}


def watch_output() -> None:
    """Start a command's record of lost output afresh: one process may run several commands
    (the tests, the Python API)."""
    _lost.clear()


def lost_output() -> str | None:
    """The streams whose output was lost, and why: "stdout (No space left on device)", or None."""
    return ", ".join(f"{name} ({why})" for name, why in _lost.items()) or None


def _stream_name(stream: TextIO) -> str:
    if stream is sys.stdout:
        return "stdout"
    if stream is sys.stderr:
        return "stderr"
    return str(getattr(stream, "name", "output"))


def silence(stream: TextIO, err: OSError | None = None) -> None:
    """Point a broken stream's descriptor at the null device: every later write to it (ours,
    tqdm's, the interpreter's flush at exit) then succeeds and goes nowhere. ``err``, the
    failure that broke it, is remembered unless it was the reader leaving."""
    if err is not None and err.errno != errno.EPIPE:
        _lost.setdefault(_stream_name(stream), err.strerror or str(err))
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return  # not backed by a descriptor (a test's capture): nothing below us writes to it
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def say(text: str, stream: TextIO) -> None:
    """One line that is lost, not fatal, when its stream is closed or its reader has gone."""
    try:
        stream.write(text + "\n")
        stream.flush()
    except OSError as err:
        silence(stream, err)


def format_eta(seconds: float) -> str:
    """ "42s" under a day, "3.5 days" above it, "?" when unknown (a budget too large to finish)."""
    if not math.isfinite(seconds):
        return "?"
    return f"{seconds:.0f}s" if seconds < DAY_S else f"{seconds / DAY_S:,.1f} days"


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):  # a closed stream
        return False


class JsonReporter:
    """One JSON object per line on stdout. Step events are thinned to four a second per
    model (and the last step), because a consumer wants a curve, not every batch."""

    def __init__(self, step_interval_s: float = 0.25) -> None:
        self.interval = step_interval_s
        self.stream = sys.stdout
        self._last: dict[str, float] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepEvent):
            now = time.perf_counter()
            last_step = event.progress >= 1.0
            if not last_step and now - self._last.get(event.model, 0.0) < self.interval:
                return
            self._last[event.model] = now
        say(json.dumps(event.to_dict()), self.stream)

    def close(self) -> None:
        pass


def step_status(event: StepEvent, val_loss: float | None) -> str:
    """What a model's progress line says after its percentage."""
    return (
        f"step {event.step}  loss {event.loss:.3f}"
        + (f"  val {val_loss:.3f}" if val_loss is not None else "")
        + f"  {event.tokens_per_s:,.0f} tok/s  ETA {format_eta(event.eta_s)}"
    )


class _Bar(tqdm):
    """A bar with a free-form status line after it (tqdm's postfix always starts with a comma)."""

    info = ""

    @property
    def format_dict(self) -> dict:
        return {**super().format_dict, "info": self.info}


class _Bars:
    """A terminal: a bar for each stage of reading the corpus (bytes, with an ETA), then one
    bar per model counting percent of the budget, redrawn in place."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._bars: dict[str, _Bar] = {}
        self._ingest: tqdm | None = None
        self._stage = ""

    def ingest(self, event: IngestEvent) -> None:
        if event.stage != self._stage:
            self.end_ingest()
            self._stage = event.stage
            self._ingest = tqdm(
                total=event.total,
                desc=event.stage,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                file=self.stream,
                dynamic_ncols=True,
                leave=False,  # gone once the stage ends, so an error that follows stands alone
            )
        assert self._ingest is not None
        self._ingest.update(event.done - self._ingest.n)

    def end_ingest(self) -> None:
        if self._ingest is not None:
            self._ingest.close()
            self._ingest = None

    def step(self, event: StepEvent, status: str) -> None:
        if event.model not in self._bars:
            self._bars[event.model] = _Bar(
                total=100,
                desc=f"{event.model:>4}",
                position=len(self._bars),
                unit="%",
                file=self.stream,
                dynamic_ncols=True,
                bar_format="{desc} {percentage:3.0f}%|{bar:24}| {info}",
            )
        bar = self._bars[event.model]
        bar.n = round(100 * event.progress, 1)
        bar.info = status
        bar.refresh()

    def message(self, text: str) -> None:
        tqdm.write(text, file=self.stream)

    def close(self) -> None:
        self.end_ingest()
        for bar in self._bars.values():
            bar.close()


class _Lines:
    """A log file or a pipe: a plain line every ``every_s`` seconds and at each model's last
    step, never a carriage return. Nothing is written in a stage's first ``every_s`` seconds,
    so a short read, or a failure at the start, leaves its error line standing alone."""

    def __init__(self, stream: TextIO, every_s: float) -> None:
        self.stream = stream
        self.every_s = every_s
        self._last: dict[str, float] = {}  # when a line last told of reading or of a model
        self._stage = ""
        self._reading_told = False  # a long read: each stage it enters gets a line at once

    def _due(self, key: str, *, anyway: bool = False) -> bool:
        now = time.monotonic()
        last = self._last.setdefault(key, now)  # the clock starts when the key is first heard of
        if not anyway and now - last < self.every_s:
            return False
        self._last[key] = now
        return True

    def ingest(self, event: IngestEvent) -> None:
        new_stage = event.stage != self._stage
        self._stage = event.stage
        if not self._due("reading", anyway=new_stage and self._reading_told):
            return
        self._reading_told = True
        if not event.total:  # a stage that measures nothing in bytes: its name is the news
            self.message(event.stage)
            return
        size = tqdm.format_sizeof(event.total, "B", 1024)
        eta = f", ETA {format_eta(event.eta_s)}" if event.eta_s is not None else ""
        self.message(f"{event.stage}: {event.fraction:.0%} of {size}{eta}")

    def end_ingest(self) -> None:
        self._stage = ""

    def step(self, event: StepEvent, status: str) -> None:
        if self._due(event.model, anyway=event.progress >= 1.0):
            self.message(f"{event.model:>4} {100 * event.progress:3.0f}%  {status}")

    def message(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass


class ProgressReporter:
    """Progress on stderr: live bars on a terminal, a plain line every few seconds elsewhere."""

    def __init__(self, enabled: bool = True, *, line_every_s: float = LINE_EVERY_S) -> None:
        self.enabled = enabled
        self.stream = sys.stderr
        self._view = _Bars(self.stream) if is_terminal(self.stream) else _Lines(self.stream, line_every_s)
        self._val: dict[str, float] = {}

    def __call__(self, event: Event) -> None:
        if not self.enabled:
            return
        try:
            self._show(event)
        except OSError as err:
            self._give_up(err)

    def _show(self, event: Event) -> None:
        if isinstance(event, IngestEvent):
            self._view.ingest(event)
            return
        self._view.end_ingest()
        if isinstance(event, StepEvent):
            self._view.step(event, step_status(event, self._val.get(event.model)))
        elif isinstance(event, ValidationEvent):
            self._val[event.model] = event.loss_nats
        elif isinstance(event, WarningEvent):
            self._view.message(f"warning: {event.message}")
        elif isinstance(event, NoteEvent):
            self._view.message(event.message)
        elif isinstance(event, SaveFailedEvent):
            self._view.message(f"warning: {event.message}; training goes on")

    def _give_up(self, err: OSError) -> None:
        """A stream that failed once is not written again: the run goes on and saves without it."""
        self.enabled = False
        silence(self.stream, err)

    def close(self) -> None:
        if not self.enabled:
            return
        try:
            self._view.close()
        except OSError as err:
            self._give_up(err)
