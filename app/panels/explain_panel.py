"""One page: the five claims of the notes, each beside its live measurement
on the loaded LSTM and vanilla RNN. The figures are computed by the engine's
``explain_models`` in the background, with a progress bar that names the stage it is on and
Cancel, as the page's on-demand sections have; this widget only draws floats and strings."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.background import Background, Job
from app.memory import release_memory
from app.panels.empty_plot import EmptyNote, note_empty
from app.panels.explain_source import PageFigures, caveat_lines, explain_pair, is_demo_pair
from app.panels.explain_text import CLAIMS, TITLES, intros, live_sentences
from app.panels.insight_sections import PLOT_MIN_WIDTH, BottleneckSection, ContextSection
from app.panels.legend_corner import keep_legend_clear
from app.panels.progress_bar import ProgressBar
from app.panels.recall_plot import set_form, show_probe, show_recall
from app.plot_style import colour, follow_palette
from lstm_core.measure.context import MeasurementStopped
from lstm_core.measure.explain import EXPLODE_FACTOR

NO_MODEL = "No data yet: load a model"
NO_PAIR = "Load a model to measure the notes' claims on it."
NEEDS_RNN = "Nothing to show: it needs a vanilla RNN"
NO_RECALL = "Nothing to show: no recurring word has a first mention"
MEASURE_AGAIN = "Measure again"
CANCELLING = "Cancelling after the step it is on…"
PROGRESS_MIN_WIDTH = 300  # pixels: "Measuring how much memory the LSTM rewrites… 45%" in one line
NARROW_BELOW = 2 * PLOT_MIN_WIDTH + 300  # pixels: below, text and plot no longer fit side by side


def _plot(title: str, x_label: str, y_label: str, *, log_y: bool = False) -> pg.PlotWidget:
    widget = pg.PlotWidget(title=title)
    widget.setMinimumSize(PLOT_MIN_WIDTH, 240)
    widget.setMaximumHeight(280)
    item = widget.getPlotItem()
    item.getAxis("left").enableAutoSIPrefix(False)  # a "×1e12" on a log axis reads as a wrong value
    item.showGrid(x=True, y=True, alpha=0.2)
    item.setLabel("bottom", x_label)
    item.setLabel("left", y_label)
    item.setLogMode(y=log_y)
    item.addLegend(offset=(-10, 10))
    keep_legend_clear(item)
    return widget


class ExplainPanel(QWidget):
    computed = Signal()  # no payload: the figures of the current models are on screen
    cancelled = Signal()  # no payload: Cancel ended a measurement; nothing new is on screen
    failed = Signal(str)  # a readable message

    def __init__(self, parent: QWidget | None = None, *, per_bucket: int = 60) -> None:
        super().__init__(parent)
        self.per_bucket = per_bucket
        self.background = Background(self)
        self.background.idle.connect(release_memory)  # what the measurement freed goes back
        self.background.idle.connect(self._start_if_ready)  # a pair that arrived meanwhile
        self._job: Job | None = None
        self._pending: tuple[Any, Any] | None = None
        self._models: tuple[Any, Any] = (None, None)  # the pair the page speaks of: Measure again's
        self._stop = threading.Event()
        self.figures: PageFigures | None = None  # what is on screen: floats and strings only
        self.status = QLabel(NO_PAIR)
        self.status.setWordWrap(True)  # a long line must not widen the page past a narrow tab
        self.progress = ProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMinimumWidth(PROGRESS_MIN_WIDTH)
        self.cancel = QPushButton("Cancel")
        self.again = QPushButton(MEASURE_AGAIN)
        self.cancel.clicked.connect(self._cancel)
        self.again.clicked.connect(self.measure_again)
        self._show_controls(running=False, again=False)
        self.live: dict[str, QLabel] = {}
        self.plots = {
            "vanishing": _plot("Gradient reaching k steps back", "k (tokens back)", "norm", log_y=True),
            "exploding": _plot("Same RNN, recurrent weights scaled", "k (tokens back)", "norm", log_y=True),
            "long": _plot("", "", ""),  # its form (probe or recall curves) follows the models
        }
        set_form(self.plots["long"].getPlotItem(), demo=True)
        self.notes: dict[str, EmptyNote] = {
            claim: note_empty(plot, NO_MODEL) for claim, plot in self.plots.items()
        }
        self.caveat: dict[str, QLabel] = {}  # what each claim's figures were measured on
        self.intro: dict[str, QLabel] = {}
        page = QWidget()
        self.grid = QGridLayout(page)
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        self.blocks = {claim: self._text_block(claim) for claim in CLAIMS}
        # Measured on demand (Measure / Cancel): the bottleneck removed, under its claim,
        # and how far back the loaded models look on their own held-out text.
        self.bottleneck = BottleneckSection()
        self.context = ContextSection()
        self.narrow: bool | None = None  # one column (each plot under its text) or two
        self._arrange(narrow=False)
        self.page = page
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        row = QHBoxLayout()
        for widget in (self.status, self.progress):  # one or the other: the bar names the stage
            row.addWidget(widget, 1)
        row.addWidget(self.cancel)
        row.addWidget(self.again)
        self.status.setMinimumHeight(self.again.sizeHint().height())  # no jump as buttons come and go
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(scroll)
        self._apply_palette()

    def _apply_palette(self) -> None:
        plots = self.plots.values()
        follow_palette(self.palette(), plots, [p.getPlotItem() for p in plots])
        for section in (self.bottleneck, self.context):
            section.apply_palette()

    def _arrange(self, *, narrow: bool) -> None:
        """Two columns (text, plot) when wide; each plot under its text when narrow, so that
        nothing is cut off on the right of a narrow tab."""
        if narrow == self.narrow:
            return
        self.narrow = narrow
        sides: dict[str, QWidget] = {**self.plots, "bottleneck": self.bottleneck}
        for widget in (*self.blocks.values(), *sides.values(), self.context):
            self.grid.removeWidget(widget)
        for row, claim in enumerate(CLAIMS):
            side = sides.get(claim)
            if narrow:
                self.grid.addWidget(self.blocks[claim], 2 * row, 0, 1, 2)
                if side is not None:
                    self.grid.addWidget(side, 2 * row + 1, 0, 1, 2)
            else:
                self.grid.addWidget(self.blocks[claim], row, 0)
                if side is not None:
                    self.grid.addWidget(side, row, 1)
        self.grid.addWidget(self.context, 2 * len(CLAIMS) if narrow else len(CLAIMS), 0, 1, 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange(narrow=event.size().width() < NARROW_BELOW)
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def _text_block(self, claim: str) -> QWidget:
        block = QWidget()
        column = QVBoxLayout(block)
        title = QLabel(f"<b>{TITLES[claim]}</b>")
        intro = QLabel(intros(demo=True, rnn_shipped=True)[claim])
        caveat = QLabel("")
        caveat.setVisible(False)
        live = QLabel("Measuring…")
        for label in (intro, caveat, live):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
        self.live[claim] = live
        self.caveat[claim] = caveat
        self.intro[claim] = intro
        for widget in (title, intro, caveat, live):
            column.addWidget(widget)
        column.addStretch(1)
        return block

    # ---- models in, measurements out ---------------------------------------------------
    def set_models(self, lstm: Any, rnn: Any) -> None:
        """Measure a new pair (LoadedModel or anything with model, tokenizer, meta, path).

        Returns at once. The measurement starts when the page is shown (it costs seconds
        of CPU nobody should pay at start-up for a page they may never open); a pair
        that arrives while another is measured stops that one at its next stage and waits
        for it to end, and the older result is dropped.
        """
        self._pending = self._models = (lstm, rnn)
        self.figures = None
        self._stop.set()  # the previous pair's measurement, if one runs: it ends early
        self.context.set_models(lstm, rnn)
        measuring = lstm is not None or rnn is not None
        demo = is_demo_pair(lstm, rnn) or not measuring
        shipped = rnn is None or getattr(rnn, "is_demo", False)
        for claim, intro in intros(demo=demo, rnn_shipped=shipped).items():
            self.intro[claim].setText(intro)
        for label in self.caveat.values():  # what they are measured on is known once they are
            label.setText("")
            label.setVisible(False)
        # From now on the figures on screen are the previous models': gone, until these are measured.
        for label in self.live.values():
            label.setText("Measuring…" if measuring else "")
        for claim, plot in self.plots.items():
            plot.getPlotItem().clear()
            plot.setEnabled(False)
            self.notes[claim].set_empty(True, "No data yet: measuring…" if measuring else NO_MODEL)
        set_form(self.plots["long"].getPlotItem(), demo=demo)
        self.again.setVisible(False)
        self._start_if_ready()

    def measure_again(self) -> None:
        """Measure the loaded pair anew (after a Cancel or a failure)."""
        if any(m is not None for m in self._models) and not self.is_busy():
            self.set_models(*self._models)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._start_if_ready()

    def _start_if_ready(self) -> None:
        if self._pending is None or not self.isVisible() or self.is_busy():
            return
        lstm, rnn = self._pending
        self._pending = None
        if lstm is None and rnn is None:
            self.status.setText(NO_PAIR)
            self._show_controls(running=False, again=False)
            return
        self._stop.clear()
        self._show_controls(running=True, again=False)
        self.progress.setValue(0)
        self.progress.setFormat("Starting… %p%")
        per_bucket, stop = self.per_bucket, self._stop.is_set

        def work(report: Any) -> PageFigures | None:
            try:
                return explain_pair(
                    lstm, rnn, per_bucket=per_bucket, progress=report, stop=stop, measuring=report
                )
            except MeasurementStopped:
                return None

        self._job = self.background.run(
            work,
            on_event=self._progress,
            on_done=self._show,
            on_error=self._fail,
            on_stop=self._stop.set,
            name="explain",
        )

    def _progress(self, event: object) -> None:
        """A stage's words ("the LSTM's gradient flow") as it starts, or the fraction done."""
        if isinstance(event, str) and not self._stop.is_set():  # after Cancel, its words stay
            self.progress.setFormat(f"Measuring {event}… %p%")
        elif isinstance(event, float):
            self.progress.setValue(round(1000 * event))

    def _show_controls(self, *, running: bool, again: bool) -> None:
        self.status.setVisible(not running)
        self.progress.setVisible(running)
        self.cancel.setVisible(running)
        self.cancel.setEnabled(running)
        self.again.setVisible(again)

    def _cancel(self) -> None:
        self._stop.set()
        self.cancel.setEnabled(False)
        self.progress.setFormat(CANCELLING)  # a stage that has begun runs to its end

    def _ended_without_figures(self, status: str) -> None:
        """Cancelled or failed: no figures, and Measure again to try once more."""
        self.status.setText(status)
        self._show_controls(running=False, again=True)
        for label in self.live.values():
            label.setText("")
        for claim, plot in self.plots.items():
            plot.setEnabled(True)
            self.notes[claim].set_empty(True, f"No data yet: press {MEASURE_AGAIN}")

    def shutdown(self) -> None:
        """Drop what is waiting, stop a running measurement at its next stage and wait for it."""
        self._pending = None
        self._stop.set()
        self.background.shutdown(timeout_ms=600_000)
        for section in (self.bottleneck, self.context):
            section.shutdown()

    def is_busy(self) -> bool:
        return self.background.running

    def _fail(self, message: str) -> None:
        if self._pending is not None:
            return  # superseded: a newer pair is waiting
        self._ended_without_figures(f"Could not measure: {message}")
        self.failed.emit(message)

    def _show(self, figures: PageFigures | None) -> None:
        if self._pending is not None:
            return  # superseded: a newer pair is waiting
        if figures is None:
            self._ended_without_figures("Cancelled.")
            self.cancelled.emit()
            return
        self._show_controls(running=False, again=False)
        self.figures, data = figures, figures.data
        self.status.setText("Live measurements on the loaded models; the sentences are the notes' claims.")
        for plot in self.plots.values():
            plot.setEnabled(True)
        sentences = live_sentences(data)
        if figures.recall_note:
            sentences["long"] = ""  # its caveat line says why
        for claim, label in self.live.items():  # a claim with no figure (no RNN): no "Measuring…" left
            label.setText(sentences.get(claim, ""))
        for claim, line in caveat_lines(figures).items():
            self.caveat[claim].setText(f"<i>{line}</i>")
            self.caveat[claim].setVisible(True)
        for claim in self.plots:
            self.plots[claim].getPlotItem().clear()
        for name, norms in data.gradflow.items():
            self._curve("vanishing", norms, name.upper(), colour(name))
        if data.explode is not None:
            self._curve("exploding", data.gradflow["rnn"], "RNN as trained", colour("rnn"))
            self._curve("exploding", data.explode, f"RNN, W_hh × {EXPLODE_FACTOR:g}", colour("explode"))
        long = self.plots["long"].getPlotItem()
        show_probe(long, data.probe)
        if data.recall is not None:
            show_recall(long, data.recall)
        empty = {"vanishing": NEEDS_RNN, "exploding": NEEDS_RNN, "long": NO_RECALL}
        if figures.recall_note:
            empty["long"] = "Nothing to show: the text is too short"
        for claim, plot in self.plots.items():
            drawn = bool(plot.getPlotItem().listDataItems())
            self.notes[claim].set_empty(not drawn, None if drawn else empty[claim])
        self.computed.emit()

    def _curve(self, claim: str, norms: dict[int, float], label: str, pen_colour: str) -> None:
        ks = np.array(sorted(norms), dtype=float)
        values = np.array([norms[int(k)] for k in ks], dtype=float)
        keep = values > 0  # a log axis cannot place a zero
        self.plots[claim].plot(ks[keep], values[keep], pen=pg.mkPen(pen_colour, width=2), name=label)
