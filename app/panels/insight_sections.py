"""Two sections of the Explain page that measure on demand, with progress and Cancel:
how far back the loaded models look on their own corpus (``measure_context``), and
time per training step against sequence length for the RNN, the LSTM and minGRU
(``measure_step_times``). Each runs through the window's one Background helper and
draws floats only."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypedDict

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.background import Background
from app.memory import release_memory
from app.panels.empty_plot import note_empty
from app.panels.legend_corner import keep_legend_clear
from app.panels.log_axis import LogAxis
from app.panels.progress_bar import ProgressBar
from app.plot_style import colour, follow_palette
from lstm_core.measure.context import WITHIN, ContextCurve, describe_context, measure_context
from lstm_core.measure.step_time import StepTimes, measure_step_times


class _Timing(TypedDict):  # the keyword arguments of measure_step_times the page sets
    hidden: int
    batch: int
    rounds: int


HELD_OUT = 0.1  # the share at the end of a corpus the trainer holds out for validation
PAGE_SCORED = 256  # tokens scored per k on the page: seconds per model, not a minute
PAGE_SEQ_LENS = (64, 128, 256, 512, 1024)  # the page's timing stops where a step passes a second
PAGE_TIMING: _Timing = {"hidden": 256, "batch": 8, "rounds": 1}  # small enough to finish in seconds
PLOT_MIN_WIDTH = 300  # the page's plots: narrow enough that one column fits a 1280×720 window's tab


def held_out_text(loaded: Any) -> tuple[str, str]:
    """The end of the model's own corpus (what it was validated on), or the demo text; of a
    large corpus only the last megabyte or so, read in bounded memory."""
    from training.data.text_end import read_end
    from training.demo.demo_corpus import demo_measure_text
    from training.run_spec import own_corpus

    files = own_corpus(loaded.meta)
    if not files:
        return demo_measure_text(), "the demo text (the model's own corpus is not on this computer)"
    return read_end(list(files), share=HELD_OUT), "the held-out end of the model's own corpus"


class _Section(QWidget):
    """A plot, a sentence, and Measure / Cancel with a progress bar."""

    finished = Signal()  # no payload: the result is on screen (or the run was cancelled)
    failed = Signal(str)  # a readable message

    def __init__(self, title: str, intro: str, button: str, plot: pg.PlotWidget) -> None:
        super().__init__()
        self.background = Background(self)
        self.background.idle.connect(release_memory)  # the measurement's models, and its peak
        self._stop = threading.Event()
        self.busy = False  # from Measure until the result (or the error) is on screen
        self.plot = plot
        self.empty_note = note_empty(plot, f"No data yet: press {button}")
        self.sentence = QLabel(intro)
        self.sentence.setWordWrap(True)
        self.sentence.setTextFormat(Qt.TextFormat.RichText)
        self.button = QPushButton(button)
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.progress = ProgressBar()
        self.progress.setRange(0, 1000)
        row = QHBoxLayout()
        for widget in (self.button, self.cancel, self.progress):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(f"<b>{title}</b>"))
        layout.addWidget(self.sentence)
        layout.addLayout(row)
        layout.addWidget(plot)
        self.button.clicked.connect(self.start)
        self.cancel.clicked.connect(self._stop.set)

    def apply_palette(self) -> None:
        follow_palette(self.palette(), [self.plot], [self.plot.getPlotItem()])

    def _run(self, work: Callable[[Callable[[float], None], Callable[[], bool]], Any]) -> None:
        if self.busy:
            return
        self.busy = True
        self._stop.clear()
        self.button.setEnabled(False)
        self.cancel.setEnabled(True)
        self.progress.setValue(0)
        stop = self._stop.is_set
        self.background.run(
            lambda report: work(report, stop),
            on_event=lambda fraction: self.progress.setValue(round(1000 * float(fraction))),
            on_done=self._done,
            on_error=self._error,
            on_stop=self._stop.set,
            name=type(self).__name__,
        )

    def _done(self, result: Any) -> None:
        self.busy = False
        self.button.setEnabled(True)
        self.cancel.setEnabled(False)
        if result is None:
            self.sentence.setText("Cancelled.")
        else:
            self.progress.setValue(1000)
            self.show_result(result)
            self.empty_note.set_empty(False)
        self.finished.emit()

    def _error(self, message: str) -> None:
        self.busy = False
        self.button.setEnabled(True)
        self.cancel.setEnabled(False)
        self.sentence.setText(f"Could not measure: {message}")
        self.failed.emit(message)

    def start(self) -> None:
        raise NotImplementedError

    def show_result(self, result: Any) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        self._stop.set()
        self.background.shutdown(timeout_ms=600_000)


def _plot(title: str, x_label: str, y_label: str, *, log_x: bool, log_y: bool = False) -> pg.PlotWidget:
    axes = {name: LogAxis(name) for name, log in (("bottom", log_x), ("left", log_y)) if log}
    widget = pg.PlotWidget(title=title, axisItems=axes)
    widget.setMinimumSize(PLOT_MIN_WIDTH, 240)
    widget.setMaximumHeight(280)
    item = widget.getPlotItem()
    item.getAxis("left").enableAutoSIPrefix(False)
    item.showGrid(x=True, y=True, alpha=0.2)
    item.setLabel("bottom", x_label)
    item.setLabel("left", y_label)
    item.setLogMode(x=log_x, y=log_y)
    item.addLegend(offset=(-10, 10))
    keep_legend_clear(item)
    return widget


def _markers(colour_name: str) -> dict[str, Any]:
    """Point markers in the curve's colour: left to pyqtgraph's default brush, every series'
    markers, and so every legend entry's, were the same blue."""
    return {"symbol": "o", "symbolSize": 7, "symbolBrush": colour_name, "symbolPen": colour_name}


class ContextSection(_Section):
    """Loss seeing only the last k tokens, LSTM and RNN on one plot, on the held-out text."""

    def __init__(self) -> None:
        super().__init__(
            "How far back does it look?",
            "The loss on held-out text when the model may see only the last k tokens (its state reset "
            "k tokens before each scored token), against the loss with the state carried from the "
            f"start (dashed). “Uses about N tokens”: the smallest k within {WITHIN:.0%} of that loss.",
            "Measure context",
            _plot("Loss seeing only the last k tokens", "k (tokens, log scale)", "nats/token", log_x=True),
        )
        self.models: dict[str, Any] = {}
        self.curves: list[ContextCurve] = []

    def set_models(self, lstm: Any, rnn: Any) -> None:
        self.models = {name: m for name, m in (("lstm", lstm), ("rnn", rnn)) if m is not None}
        self.button.setEnabled(bool(self.models) and not self.busy)

    def start(self) -> None:
        models = dict(self.models)
        if not models:
            return

        def work(report: Callable[[float], None], stop: Callable[[], bool]) -> Any:
            from lstm_core.measure.context import MeasurementStopped

            text, where = held_out_text(next(iter(models.values())))
            curves = []
            for i, (name, loaded) in enumerate(models.items()):
                ids = loaded.tokenizer.encode(text)
                share = 1 / len(models)

                def part(f: float, i: int = i, share: float = share) -> None:
                    report((i + f) * share)

                try:
                    curve = measure_context(
                        loaded.model, ids, scored=PAGE_SCORED, name=name, progress=part, stop=stop
                    )
                except MeasurementStopped:
                    return None
                curves.append(curve)
            return curves, where

        self._run(work)

    def show_result(self, result: Any) -> None:
        curves, where = result
        self.curves = curves
        item = self.plot.getPlotItem()
        item.clear()
        for curve in curves:
            ks = np.array(list(curve.losses), dtype=float)
            pen = pg.mkPen(colour(curve.name), width=2)
            losses = np.array(list(curve.losses.values()))
            item.plot(ks, losses, pen=pen, name=curve.name.upper(), **_markers(colour(curve.name)))
            dashed = pg.mkPen(colour(curve.name), width=1, style=Qt.PenStyle.DashLine)
            item.plot([ks[0], ks[-1]], [curve.full, curve.full], pen=dashed)
        sentence = describe_context(curves)
        self.sentence.setText(f"Measured on {where}, {curves[0].scored} tokens scored: {sentence}.")


class BottleneckSection(_Section):
    """Milliseconds per training step against sequence length: RNN, LSTM (fused) and minGRU (scan)."""

    def __init__(self) -> None:
        shape = PAGE_TIMING
        super().__init__(
            "Removing the bottleneck: a cell that trains as a scan",
            "minGRU's gates read only x_t, so a whole sequence runs as a parallel scan rather than a "
            f"step loop. Time per training step of fresh 1×{shape['hidden']} models, batch "
            f"{shape['batch']}, on this computer, whichever way it comes out.",
            "Time the cells",
            _plot(
                "Training step vs sequence length",
                "sequence length (log)",
                "ms per step",
                log_x=True,
                log_y=True,
            ),
        )
        self.times: StepTimes | None = None

    def start(self) -> None:
        def work(report: Callable[[float], None], stop: Callable[[], bool]) -> Any:
            times = measure_step_times(seq_lens=PAGE_SEQ_LENS, progress=report, stop=stop, **PAGE_TIMING)
            return None if stop() else times

        self._run(work)

    def show_result(self, result: Any) -> None:
        self.times = result
        item = self.plot.getPlotItem()
        item.clear()
        for cell, row in result.seconds.items():
            lens = np.array(sorted(row), dtype=float)
            ms = np.array([row[int(t)] * 1000 for t in lens])
            pen = pg.mkPen(colour(cell), width=2)
            name = {"mingru": "minGRU"}.get(cell, cell.upper())
            item.plot(lens, ms, pen=pen, name=name, **_markers(colour(cell)))
        longest = max(result.seconds["lstm"])
        ratio = result.ratio("mingru", "lstm", longest)
        verdict = "faster" if ratio < 1 else "slower"
        factor = 1 / ratio if ratio < 1 else ratio
        self.sentence.setText(
            f"Measured here ({result.shape}): at length {longest} a minGRU step is "
            f"{factor:.1f}× {verdict} than an LSTM step; quality after 90 s of training is in the README."
        )
