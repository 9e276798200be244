"""The training dashboard: options, Start/Pause/Resume/Stop, progress and live curves."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.controller import TrainingController, TrainingState
from app.event_batching import StepBatch
from app.model_store import LoadedModel
from app.panels.latest_sample import LatestSample
from app.panels.progress_bar import ProgressBar
from app.panels.scroll_column import scroll_column
from app.panels.training_options import LIVE_OPTIONS, TrainingOptions
from app.panels.training_plots import TrainingPlots
from app.panels.training_status import (
    clipped_text,
    diverged_text,
    final_speed_text,
    finish_lines,
    finish_summary,
    idle_hint,
    ingest_progress,
    is_timing_note,
    last_run_gone_text,
    note_text,
    paused_text,
    preparing_text,
    progress_text,
    resumable,
    run_models,
    speed_text,
    validation_text,
)
from app.settings import Settings
from training.checkpoints.checkpoint import read_metadata, resolve_path
from training.checkpoints.run_history import write_note
from training.common import events as ev
from training.common.events import (
    CheckpointEvent,
    FinishedEvent,
    NoteEvent,
    SampleEvent,
    SaveFailedEvent,
    StepEvent,
    ValidationEvent,
    WarningEvent,
)
from training.run_spec import RunSpec, contrast_rnn_spec, resume_spec

LAST_RUN_KEY = "training/last_run"


class TrainingPanel(QWidget):
    run_finished = Signal(list)  # list[FinishedEvent] of a run that ended (completed or cancelled)
    save_failed = Signal(object)  # SaveFailedEvent: a checkpoint could not be written, training goes on
    checkpoint_saved = Signal(object)  # CheckpointEvent: a model of the run was saved to its folder

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
        self.run_dir: Path | None = None  # the folder of the run the plots show
        self.before_start: Callable[[], bool] = lambda: True  # the window asks before a new run

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

        self.progress = ProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)  # a reset bar (value -1) hides its text, and "idle" should show
        self.progress.setFormat("idle")
        self.progress.setTextVisible(True)
        self.speed_label, self.clip_label, self.val_label = QLabel(), QLabel(), QLabel()
        self._clear_run_lines()
        self.status_label = QLabel(idle_hint(None, has_corpus=False))
        # Warnings stay on screen until the next run: "diverged" must not be overwritten by "finished".
        self.warning_label = QLabel("")
        self.warning_label.setStyleSheet("color: #d62728")
        self.warning_label.hide()
        lines = (self.speed_label, self.clip_label, self.val_label, self.status_label, self.warning_label)
        for label in lines:
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Buttons and progress always in view; the messages and the options below them scroll
        # together, so a long finish message pushes the options down instead of hiding under them.
        details_scroll = scroll_column([*lines, self.options])
        controls = QWidget()
        column = QVBoxLayout(controls)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(details_scroll, 1)
        controls.setMinimumWidth(self.options.sizeHint().width() + 24)

        self.plots = TrainingPlots()
        self.sample = LatestSample()

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(controls)
        split.addWidget(self.plots)
        split.addWidget(self.sample)
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
            SampleEvent: self.sample.show_sample,
            WarningEvent: self._on_warning,
            NoteEvent: self._on_note,
            SaveFailedEvent: self._on_save_failed,
            CheckpointEvent: self.checkpoint_saved.emit,
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
            documents=opts.documents(),
        )

    def start(self) -> None:
        if self.controller.running or not self.before_start():
            return
        if not self.corpus_paths:
            QMessageBox.information(self, "No corpus", "Open a corpus first (File ▸ Open Corpus Files…).")
            return
        self.run(self.build_spec(), clip=self.options.clip_threshold)

    def resume(self) -> None:
        if self.controller.state == "paused":
            self.controller.resume()
            return
        last = self.last_run()
        if last is not None:
            self.resume_run(last)
        elif self.settings.get_str(LAST_RUN_KEY):  # its folder was deleted: a word, and Resume greys
            QMessageBox.information(
                self, "Cannot resume", last_run_gone_text(self.settings.get_str(LAST_RUN_KEY))
            )
            self._update_buttons(self.controller.state)

    def resume_run(self, last: Path) -> None:
        """Continue a stopped run where its checkpoint left it, its curves redrawn from its history."""
        if self.controller.running:
            return
        try:
            spec = resume_spec(last, unrecorded_paths=self.corpus_paths, train_options=LIVE_OPTIONS)
            meta = read_metadata(last)
        except ValueError as err:  # e.g. the file was damaged since the button was enabled
            QMessageBox.warning(self, "Cannot resume", str(err))
            self._update_buttons(self.controller.state)
            return
        self.settings.set_str(LAST_RUN_KEY, str(last))
        self.run(spec, clip=meta.training.grad_clip if meta.training else None)

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
        # A resumed run keeps its history: the curves already drawn stay (same run, same
        # session) or are redrawn from the validation history its checkpoint keeps.
        continuing = spec.resume and self.run_dir == spec.out_dir and self.plots.has_data()
        if not continuing:
            self.plots.reset(clip, run_models(spec))
            if spec.resume:
                self.plots.add_history(spec.out_dir)
            self._latest.clear()
            self._val.clear()
            self.steps_received = 0
            self._clear_run_lines()  # the last run's figures are not this one's
        self.run_dir = spec.out_dir
        self.sample.clear()
        self.warning_label.clear()
        self.warning_label.hide()
        self.progress.setValue(0 if not continuing else self.progress.value())
        self.progress.setFormat("starting…")
        self.status_label.setText(f"Training into {spec.out_dir}")
        if not spec.resume:
            self.settings.set_str(LAST_RUN_KEY, str(spec.out_dir))
            write_note(spec.out_dir, preset=spec.preset)
        self.controller.start(spec)

    def _clear_run_lines(self) -> None:
        self.speed_label.setText("–")
        self.clip_label.setText("Clipped steps: –")
        self.val_label.setText("Validation: –")

    # ---- events in (already on the GUI thread, ~10 a second) ---------------------------
    def _on_event(self, event: object) -> None:
        self._handlers.get(type(event), lambda _event: None)(event)

    def _on_ingest(self, event: ev.IngestEvent) -> None:
        value, text = ingest_progress(event)
        self.progress.setValue(value)
        self.progress.setFormat(text)

    def _on_steps(self, batch: StepBatch) -> None:
        events = batch.events
        self.steps_received += len(events)
        self.plots.add_steps(events)
        for e in events:
            self._latest[e.model] = e
        self.clip_label.setText(clipped_text(self.plots.clipped))
        if self.controller.state != "running":
            return  # steps queued before Pause: the paused state stays on screen
        fraction, text = progress_text(self._latest)
        self.progress.setValue(round(fraction * 1000))
        self.progress.setFormat(text)
        self.speed_label.setText(speed_text(self._latest))

    def _on_validation(self, event: ValidationEvent) -> None:
        self.plots.add_validation(event)
        self._val[event.model] = event
        self.val_label.setText(validation_text(self._val))

    def _on_note(self, event: NoteEvent) -> None:  # what a preset chose here, and the like
        if not self._latest:  # between the corpus and the first step: the bar says what runs now
            self.progress.setFormat(preparing_text(event))
        if not is_timing_note(event):  # the timing's note is the bar's: a line would outlive it
            self.status_label.setText(f"{self.status_label.text()}\n{note_text(event.message)}")

    def _on_warning(self, event: WarningEvent) -> None:
        line = f"{event.model.upper()}: {event.message}"
        previous = self.warning_label.text()
        self.warning_label.setText(f"{previous}\n{line}" if previous else line)
        self.warning_label.show()

    def _on_save_failed(self, event: SaveFailedEvent) -> None:
        self._on_warning(WarningEvent(model=event.model, message=f"checkpoint not saved: {event.message}"))
        self.save_failed.emit(event)

    def _on_finished(self, results: list[FinishedEvent]) -> None:
        if not results:  # stopped while the corpus was read: nothing was trained
            self.progress.setValue(0)
        self.speed_label.setText(final_speed_text(self._latest, results))  # the steps it ended at
        self.progress.setFormat(finish_summary(results))
        self.status_label.setText(finish_lines(results))
        self.run_finished.emit(results)
        diverged = [r for r in results if r.diverged]
        if diverged:
            # Queued, so the run's results are handled before the dialog waits for a click.
            QTimer.singleShot(0, lambda: self._warn_diverged(diverged))

    def _warn_diverged(self, diverged: list[FinishedEvent]) -> None:
        QMessageBox.warning(self, "Run diverged", diverged_text(diverged, self.warning_label.text()))

    def _on_failed(self, message: str) -> None:
        self.progress.setFormat("failed")
        self.status_label.setText(f"Training failed: {message}")
        QMessageBox.warning(self, "Training failed", message)

    def _update_buttons(self, state: TrainingState) -> None:
        idle = state == "idle"
        last = self.last_run()
        self.start_button.setEnabled(idle and bool(self.corpus_paths))
        self.pause_button.setEnabled(state == "running")
        self.resume_button.setEnabled(state == "paused" or (idle and last is not None and resumable(last)))
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.options.setEnabled(idle)
        if state == "paused":
            self.progress.setFormat(f"paused · {self.progress.value() / 10:.0f} %")
            self.speed_label.setText(paused_text(self._latest))
        elif state == "running" and self._latest:
            self.progress.setFormat(progress_text(self._latest)[1])
            self.speed_label.setText(speed_text(self._latest))
        elif state == "stopping":
            self.progress.setFormat("stopping: final evaluation and save…")
        elif idle and not self.run_dir:
            self.status_label.setText(idle_hint(last, has_corpus=bool(self.corpus_paths)))
