"""What the trainer reports. Each event is a frozen dataclass; ``model`` says which
model of a run it is about ("lstm", "rnn", ...), so one callback can serve a pair."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal

# Why a model's training ended: its budget was used up, a person stopped it, or a step stopped
# being a number (the run was then rolled back to its last checkpoint and saved).
FinishReason = Literal["completed", "cancelled", "diverged"]


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.kind, **asdict(self)}


@dataclass(frozen=True)
class StepEvent(Event):
    kind: ClassVar[str] = "step"
    model: str
    step: int
    total_steps: int | None  # None when the budget is wall-clock time
    loss: float  # training loss of this batch, nats per token
    lr: float
    grad_norm: float  # global norm before clipping
    clipped: bool
    tokens_per_s: float
    elapsed_s: float  # training time of this model, pauses excluded
    eta_s: float
    progress: float  # 0..1 of the budget


@dataclass(frozen=True)
class ValidationEvent(Event):
    kind: ClassVar[str] = "validation"
    model: str
    step: int
    loss_nats: float
    perplexity: float
    bits_per_char: float


@dataclass(frozen=True)
class SampleEvent(Event):
    kind: ClassVar[str] = "sample"
    model: str
    step: int
    text: str


@dataclass(frozen=True)
class CheckpointEvent(Event):
    kind: ClassVar[str] = "checkpoint"
    model: str
    step: int
    path: str


@dataclass(frozen=True)
class WarningEvent(Event):
    kind: ClassVar[str] = "warning"
    model: str
    message: str


@dataclass(frozen=True)
class NoteEvent(Event):
    """Something a person should know about the run that is not a problem (what a preset
    chose on this machine, for one)."""

    kind: ClassVar[str] = "note"
    model: str
    message: str


@dataclass(frozen=True)
class SaveFailedEvent(Event):
    """A checkpoint could not be written (disk full, folder not writable). Training goes on
    with its state in memory; the previous checkpoint on disk is untouched."""

    kind: ClassVar[str] = "save_failed"
    model: str
    step: int
    folder: str  # where it tried to write
    message: str  # readable: names the folder and the reason


@dataclass(frozen=True)
class IngestEvent(Event):
    """Reading and tokenising the corpus before training: one stage at a time, with its ETA."""

    kind: ClassVar[str] = "ingest"
    stage: str  # "checking files", "learning the vocabulary", "tokenising" or "reusing tokens"
    done: int  # bytes of the corpus this stage has been through
    total: int  # bytes it will go through
    elapsed_s: float  # since the stage began
    eta_s: float | None  # None until there is a rate to go by

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0


@dataclass(frozen=True)
class FinishedEvent(Event):
    kind: ClassVar[str] = "finished"
    model: str
    reason: FinishReason
    steps: int
    seconds: float
    tokens_per_s: float
    val_loss: float
    bits_per_char: float
    checkpoint: str  # "" when the final save failed (see SaveFailedEvent)
    saved: bool = True
    tokens_scored: int = 0  # held-out tokens the final validation scored (a capped sample)
    stopped_early: bool = False  # ended before its budget: more training would only memorise
    heldout_seen: float | None = None  # share of the held-out text also in training (None: not measured)
    memorised: bool = False  # the run said that the gap between training and held-out loss shows memorisation
    save_error: str | None = None  # why the final save failed and what stands instead (saved: None)

    @property
    def diverged(self) -> bool:
        return self.reason == "diverged"


EventCallback = Callable[[Event], None]


def ignore_events(event: Event) -> None:
    """The default callback: library code never prints."""
