"""The training dashboard: options, Start/Pause/Resume/Stop, progress and live curves."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.controller import TrainingController
from app.event_batching import StepBatch
from app.model_store import LoadedModel
from app.panels.training_options import LIVE_OPTIONS, TrainingOptions
from app.panels.training_plots import TrainingPlots
from app.plot_style import mono_font
from app.settings import Settings
from training import events as ev
from training.checkpoint import CheckpointError, read_metadata, resolve_path
from training.events import FinishedEvent, SampleEvent, StepEvent, ValidationEvent, WarningEvent
from training.run import RunSpec, contrast_rnn_spec, resume_spec

LAST_RUN_KEY = "training/last_run"


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def resumable(run_dir: Path) -> bool:
    """A run folder whose checkpoint says its budget is not used up. Reads only the header,
    so it is cheap enough for every state change on the GUI thread."""
    try:
        return read_metadata(run_dir).resumable
    except CheckpointError:
        return False


def finish_summary(results: Sequence[FinishedEvent]) -> str:
    """Every model's reason, e.g. "LSTM completed · RNN diverged · 1:32"."""
    reasons = " · ".join(f"{r.model.upper()} {r.reason}" for r in results)
    return f"{reasons} · {format_duration(sum(r.seconds for r in results))}"


class TrainingPanel(QWidget):
    run_finished = Signal(list)  # list[FinishedEvent] of a run that ended (completed or cancelled)

    def __init__(
        self,
        controller: TrainingController,
        settings: Settings,
        runs_dir: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.settings = settings
        self.runs_dir = runs_dir
        self.corpus_paths: tuple[str, ...] = ()
        self._latest: dict[str, StepEvent] = {}
        self._val: dict[str, ValidationEvent] = {}
        self.steps_received = 0

        self.options = TrainingOptions()
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.start_button.setToolTip("Train a new model on the corpus (F5)")
        self.resume_button.setToolTip("Resume a paused run, or continue the last unfinished run")
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(controller.pause)
        self.resume_button.clicked.connect(self.resume)
        self.stop_button.clicked.connect(controller.stop)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.resume_button, self.stop_button):
            buttons.addWidget(b)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)  # a reset bar (value -1) hides its text, and "idle" should show
        self.progress.setFormat("idle")
        self.progress.setTextVisible(True)
        self.speed_label = QLabel("–")
        self.clip_label = QLabel("Clipped steps: –")
        self.val_label = QLabel("Validation: –")
        self.status_label = QLabel("Open a corpus, pick a preset, press Start.")
        for label in (self.speed_label, self.clip_label, self.val_label, self.status_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Warnings stay on screen until the next run: "diverged" must not be overwritten by "finished".
        self.warning_label = QLabel("")
        self.warning_label.setWordWrap(True)
        self.warning_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning_label.setStyleSheet("color: #d62728")
        self.warning_label.hide()

        # Buttons and progress first, always in view; only the options scroll.
        status = QWidget()
        status_column = QVBoxLayout(status)
        status_column.setContentsMargins(0, 0, 0, 0)
        status_column.addLayout(buttons)
        status_column.addWidget(self.progress)
        for label in (self.speed_label, self.clip_label, self.val_label, self.status_label):
            status_column.addWidget(label)
        status_column.addWidget(self.warning_label)
        options_scroll = QScrollArea()
        options_scroll.setWidget(self.options)
        options_scroll.setWidgetResizable(True)
        options_scroll.setFrameShape(QFrame.Shape.NoFrame)
        controls = QWidget()
        column = QVBoxLayout(controls)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(status)
        column.addWidget(options_scroll, 1)
        controls.setMinimumWidth(self.options.sizeHint().width() + 24)

        self.plots = TrainingPlots()
        self.sample_view = QPlainTextEdit()
        self.sample_view.setReadOnly(True)
        self.sample_view.setPlaceholderText("Samples of generated text appear here while training runs.")
        self.sample_view.setFont(mono_font())
        sample_box = QWidget()
        sample_layout = QVBoxLayout(sample_box)
        sample_layout.setContentsMargins(0, 0, 0, 0)
        sample_layout.addWidget(QLabel("Latest sample"))
        sample_layout.addWidget(self.sample_view)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(controls)
        split.addWidget(self.plots)
        split.addWidget(sample_box)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 1)
        split.setSizes([360, 800, 320])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

        # The run's events, dispatched by type; a kind the dashboard does not draw is skipped.
        self._handlers: dict[type, Callable[[Any], None]] = {
            StepBatch: self._on_steps,
            ev.IngestEvent: self._on_ingest,
            ValidationEvent: self._on_validation,
            SampleEvent: self._on_sample,
            WarningEvent: self._on_warning,
        }
        controller.event.connect(self._on_event)
        controller.finished.connect(self._on_finished)
        controller.failed.connect(self._on_failed)
        controller.state_changed.connect(self._update_buttons)
        self._update_buttons(controller.state)

    # ---- starting ----------------------------------------------------------------------
    def set_corpus(self, paths: Sequence[str]) -> None:
        self.corpus_paths = tuple(paths)
        self._update_buttons(self.controller.state)

    def last_run(self) -> Path | None:
        value = self.settings.get_str(LAST_RUN_KEY)
        return Path(value) if value and resolve_path(value).is_file() else None

    def new_run_dir(self) -> Path:
        stem = Path(self.corpus_paths[0]).stem if self.corpus_paths else "run"
        return self.runs_dir / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"

    def build_spec(self) -> RunSpec:
        opts = self.options
        return RunSpec(
            paths=self.corpus_paths,
            out_dir=self.new_run_dir(),
            preset=opts.preset_key,
            level=opts.level.currentText(),
            model_options=opts.model_options(),
            train_options=opts.train_options(),
            compare_rnn=opts.compare.isChecked(),
        )

    def start(self) -> None:
        if not self.corpus_paths:
            QMessageBox.information(self, "No corpus", "Open a corpus first (File ▸ Open Corpus Files…).")
            return
        self.run(self.build_spec(), clip=self.options.clip_threshold)

    def resume(self) -> None:
        if self.controller.state == "paused":
            self.controller.resume()
            return
        last = self.last_run()
        if last is None or self.controller.running:
            return
        try:
            spec = resume_spec(last, paths=self.corpus_paths_if_unrecorded(last), train_options=LIVE_OPTIONS)
            meta = read_metadata(last)
        except ValueError as err:  # e.g. the file was damaged since the button was enabled
            QMessageBox.warning(self, "Cannot resume", str(err))
            self._update_buttons(self.controller.state)
            return
        self.run(spec, clip=meta.training.grad_clip if meta.training else None)

    def corpus_paths_if_unrecorded(self, run_dir: Path) -> tuple[str, ...]:
        """The open corpus, for a run whose checkpoint does not name its own."""
        try:
            return () if read_metadata(run_dir).corpus.files else tuple(self.corpus_paths)
        except CheckpointError:
            return ()

    def train_rnn_for(self, lstm: LoadedModel, paths: Sequence[str], out_dir: Path) -> None:
        """One click: a vanilla RNN of the main model's shape on the same corpus."""
        spec = contrast_rnn_spec(
            lstm.meta,
            paths=paths,
            out_dir=out_dir,
            preset=self.options.preset_key,
            train_options=self.options.train_options(),
        )
        self.run(spec, clip=self.options.clip_threshold)

    def run(self, spec: RunSpec, *, clip: float | None) -> None:
        if self.controller.running:
            return
        self.plots.reset(clip)
        self._latest.clear()
        self._val.clear()
        self.steps_received = 0
        self.sample_view.clear()
        self.warning_label.clear()
        self.warning_label.hide()
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self.status_label.setText(f"Training into {spec.out_dir}")
        if not spec.resume:
            self.settings.set_str(LAST_RUN_KEY, str(spec.out_dir))
        self.controller.start(spec)

    # ---- events in (already on the GUI thread, ~10 a second) ---------------------------
    def _on_event(self, event: object) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _on_ingest(self, event: ev.IngestEvent) -> None:
        # Reading a large corpus comes before the first step: the same bar, with its stage.
        eta = f" · ETA {format_duration(event.eta_s)}" if event.eta_s is not None else ""
        self.progress.setValue(round(event.fraction * 1000))
        self.progress.setFormat(f"Corpus: {event.stage} {event.fraction:.0%}{eta}")

    def _on_steps(self, batch: StepBatch) -> None:
        events = batch.events
        self.steps_received += len(events)
        self.plots.add_steps(events)
        for e in events:
            self._latest[e.model] = e
        latest = list(self._latest.values())
        fraction = sum(e.progress for e in latest) / len(latest)
        eta = sum(e.eta_s for e in latest)  # the models take turns, so their times add up
        self.progress.setValue(round(fraction * 1000))
        self.progress.setFormat(f"{fraction:.0%} · ETA {format_duration(eta)}")
        step = max(e.step for e in latest)
        total = latest[0].total_steps
        speeds = " · ".join(f"{e.model.upper()} {e.tokens_per_s:,.0f} tok/s" for e in latest)
        self.speed_label.setText(f"Step {step:,}{f' / {total:,}' if total else ''} · {speeds}")
        clipped = " · ".join(f"{m.upper()} {n:,}" for m, n in self.plots.clipped.items())
        self.clip_label.setText(f"Clipped steps: {clipped}")

    def _on_validation(self, event: ValidationEvent) -> None:
        self.plots.add_validation(event)
        self._val[event.model] = event
        self.val_label.setText(
            "Validation: "
            + " · ".join(
                f"{v.model.upper()} {v.loss_nats:.3f} nats ({v.bits_per_char:.2f} bits/char)"
                for v in self._val.values()
            )
        )

    def _on_sample(self, event: SampleEvent) -> None:
        self.sample_view.setPlainText(f"[{event.model.upper()}, step {event.step}]\n{event.text}")

    def _on_warning(self, event: WarningEvent) -> None:
        line = f"{event.model.upper()}: {event.message}"
        previous = self.warning_label.text()
        self.warning_label.setText(f"{previous}\n{line}" if previous else line)
        self.warning_label.show()

    def _on_finished(self, results: list[FinishedEvent]) -> None:
        if not results:  # stopped while the corpus was read: nothing was trained
            self.progress.setValue(0)
            self.progress.setFormat("stopped before training began")
            self.status_label.setText("Stopped while reading the corpus; nothing was trained.")
            self.run_finished.emit(results)
            return
        self.progress.setFormat(finish_summary(results))
        self.status_label.setText(
            "Finished: " + "; ".join(f"{r.model.upper()} {r.reason} after {r.steps:,} steps" for r in results)
        )
        self.run_finished.emit(results)
        diverged = [r for r in results if r.reason == "diverged"]
        if diverged:
            # Queued, so the run's results are handled before the dialog waits for a click.
            QTimer.singleShot(0, lambda: self._warn_diverged(diverged))

    def _warn_diverged(self, diverged: list[FinishedEvent]) -> None:
        names = " and ".join(r.model.upper() for r in diverged)
        details = self.warning_label.text() or "The loss became too large to go on."
        QMessageBox.warning(
            self,
            "Training diverged",
            f"{names} diverged and stopped; its last good weights were kept.\n\n{details}",
        )

    def _on_failed(self, message: str) -> None:
        self.progress.setFormat("failed")
        self.status_label.setText(f"Training failed: {message}")
        QMessageBox.warning(self, "Training failed", message)

    def _update_buttons(self, state: str) -> None:
        idle = state == "idle"
        last = self.last_run()
        self.start_button.setEnabled(idle and bool(self.corpus_paths))
        self.pause_button.setEnabled(state == "running")
        self.resume_button.setEnabled(state == "paused" or (idle and last is not None and resumable(last)))
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.options.setEnabled(idle)
        if state == "paused":
            self.progress.setFormat("paused")
        elif state == "stopping":
            self.progress.setFormat("stopping: final evaluation and save…")
