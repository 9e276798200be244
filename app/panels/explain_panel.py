"""One page: the five claims of the notes, each beside its live measurement
on the loaded LSTM and vanilla RNN. The figures are computed by the engine's
``explain_models`` in the background; this widget only draws floats and strings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.background import Background, Job
from app.memory import release_memory
from app.model_store import LoadedModel
from app.panels.empty_plot import EmptyNote, note_empty
from app.panels.explain_caveats import caveats
from app.panels.insight_sections import PLOT_MIN_WIDTH, BottleneckSection, ContextSection
from app.panels.legend_corner import keep_legend_clear
from app.plot_style import colour, follow_palette
from lstm_core.measure.explain import EXPLODE_FACTOR, Explanations, explain_models
from lstm_core.measure.probe import BUCKET_WIDTH
from training.demo.demo_corpus import demo_measure_text, demo_probe_cases

NO_MODEL = "No data yet: load a model"
NEEDS_RNN = "Nothing to show: this needs a vanilla RNN"
NARROW_BELOW = 2 * PLOT_MIN_WIDTH + 300  # pixels: below, text and plot no longer fit side by side
CLAIMS = ("vanishing", "exploding", "long", "bottleneck", "memory")
TITLES = {
    "vanishing": "1. Vanishing gradients",
    "exploding": "2. Exploding gradients",
    "long": "3. Long-term dependencies",
    "bottleneck": "4. Sequential computation bottleneck",
    "memory": "5. Rigid memory structure",
}
# What each claim means here, before any number is known; a live sentence follows once measured.
INTROS = {
    "vanishing": (
        "Backpropagation through a vanilla RNN multiplies by tanh′ · W_hh once per step, so the "
        "signal reaching earlier steps shrinks geometrically. The plot shows ‖∂loss_t/∂h_(t−k)‖ on "
        "demo text (log scale); the LSTM's additive cell state gives gradients a slower road back."
    ),
    "exploding": (
        "When that per-step factor is above 1 the same product grows instead, and one update can wreck "
        f"the weights. To show it, the shipped RNN is measured again with its recurrent weights × "
        f"{EXPLODE_FACTOR:g}; the usual remedy is clipping the gradient's norm during training."
    ),
    "long": (
        "Each probe is a held-out demo document cut after “I speak”; the model's greedy next word must "
        "be the language of the country named at the start, across 0 to 300 characters of filler. "
        "Chance is 1 in 24, about 4 %."
    ),
    "bottleneck": (
        "h_t needs h_(t−1), so the steps of one sequence run one after another whatever the hardware. "
        "Only separate streams run side by side, which is why the batched figure is the large one."
    ),
    "memory": (
        "A vanilla RNN recomputes its whole hidden state at every step; the LSTM's cell state changes "
        "only where its gates let it, keeping some units and wiping others."
    ),
}


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def training_clip(loaded: LoadedModel) -> float | None:
    """The gradient-clipping threshold a loaded model was trained with, from its metadata."""
    training = loaded.meta.training
    return training.grad_clip if training is not None else None


def explain_pair(lstm: Any, rnn: Any, *, per_bucket: int) -> Explanations:
    """Runs in the background: every figure of the page for a pair of LoadedModels (either may be None)."""
    models = {name: m for name, m in (("lstm", lstm), ("rnn", rnn)) if m is not None}
    return explain_models(
        models,
        cases=demo_probe_cases(per_bucket),
        text=demo_measure_text(),
        clip={name: training_clip(m) for name, m in models.items()},
    )


def live_sentences(data: Explanations) -> dict[str, str]:
    """The measured sentence of each claim, from explain_models' result."""
    grad, probe, speed, memory = data.gradflow, data.probe, data.throughput, data.memory
    out: dict[str, str] = {}
    if grad:
        parts = [f"{n.upper()} keeps {g[50] / g[1]:.1e} of its k=1 gradient at k=50" for n, g in grad.items()]
        out["vanishing"] = "Measured: " + "; ".join(parts) + "."
    if data.explode is not None:
        e = data.explode
        clip = ", ".join(f"{n.upper()} {c}" for n, c in data.clip.items() if c)
        out["exploding"] = (
            f"Measured: with W_hh × {EXPLODE_FACTOR:g} the gradient at k=50 is {e[50] / e[1]:.1e} times "
            f"the one at k=1. Largest singular value of W_hh: "
            + ", ".join(f"{n.upper()} {s:.1f}" for n, s in data.spectral.items())
            + (f". Clipping threshold used in training: {clip}." if clip else ".")
        )
    if probe:
        parts = [f"{n.upper()} {_percent(b[-1].accuracy)}" for n, b in probe.items()]
        edge = next(iter(probe.values()))[-1].distance
        out["long"] = (
            f"Measured at {edge - BUCKET_WIDTH + 1}–{edge} characters: "
            + ", ".join(parts)
            + " (chance about 4 %)."
        )
    if speed:
        rows = [
            f"{n.upper()}: explicit cells {s.explicit_tokens_per_s:,.0f}, fused kernel "
            f"{s.fused_tokens_per_s:,.0f}, fused × {s.batch} streams "
            f"{s.fused_batch_tokens_per_s:,.0f}"
            for n, s in speed.items()
        ]
        out["bottleneck"] = "Measured, tokens per second:<br>" + "<br>".join(rows)
    if memory:
        parts = []
        for n, m in memory.items():
            what = "C" if n == "lstm" else "h"
            part = f"{n.upper()} rewrites {_percent(m.rewrite_per_step)} of {what} per token"
            if m.forget_open is not None:
                part += (
                    f" ({_percent(m.forget_open)} of its forget gates above 0.9, "
                    f"{_percent(m.forget_shut)} below 0.1)"
                )
            parts.append(part)
        out["memory"] = "Measured: " + "; ".join(parts) + "."
    return out


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
    failed = Signal(str)  # a readable message

    def __init__(self, parent: QWidget | None = None, *, per_bucket: int = 60) -> None:
        super().__init__(parent)
        self.per_bucket = per_bucket
        self.background = Background(self)
        self.background.idle.connect(release_memory)  # what the measurement freed goes back
        self.background.idle.connect(self._start_if_ready)  # a pair that arrived meanwhile
        self._job: Job | None = None
        self._pending: tuple[Any, Any] | None = None
        self.status = QLabel("Load a model to measure the notes' claims on it.")
        self.live: dict[str, QLabel] = {}
        self.plots = {
            "vanishing": _plot("Gradient reaching k steps back", "k (tokens back)", "norm", log_y=True),
            "exploding": _plot("Same RNN, recurrent weights scaled", "k (tokens back)", "norm", log_y=True),
            "long": _plot("Recall of the language after “I speak”", "filler (characters)", "accuracy"),
        }
        self.plots["long"].getPlotItem().setYRange(0, 1.05)
        self.notes: dict[str, EmptyNote] = {
            claim: note_empty(plot, NO_MODEL) for claim, plot in self.plots.items()
        }
        self.caveat: dict[str, QLabel] = {}
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
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
        intro = QLabel(INTROS[claim])
        caveat = QLabel("")
        caveat.setVisible(False)
        live = QLabel("Measuring…")
        for label in (intro, caveat, live):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
        self.live[claim] = live
        self.caveat[claim] = caveat
        column.addWidget(title)
        column.addWidget(intro)
        column.addWidget(caveat)
        column.addWidget(live)
        column.addStretch(1)
        return block

    # ---- models in, measurements out ---------------------------------------------------
    def set_models(self, lstm: Any, rnn: Any) -> None:
        """Measure a new pair (LoadedModel or anything with model, tokenizer, meta, path).

        Returns at once. The measurement starts when the page is shown (it costs seconds
        of CPU nobody should pay at start-up for a page they may never open); a pair
        that arrives while another is measured waits for it, and the older result is dropped.
        """
        self._pending = (lstm, rnn)
        self.context.set_models(lstm, rnn)
        for claim, line in caveats(lstm, rnn).items():
            self.caveat[claim].setText(f"<i>⚠ {line}</i>" if line else "")
            self.caveat[claim].setVisible(bool(line))
        # From now on the figures on screen are the previous models': gone, until these are measured.
        for label in self.live.values():
            label.setText("Measuring…" if lstm is not None or rnn is not None else "")
        measuring = lstm is not None or rnn is not None
        for claim, plot in self.plots.items():
            plot.getPlotItem().clear()
            plot.setEnabled(False)
            self.notes[claim].set_empty(True, "No data yet: measuring…" if measuring else NO_MODEL)
        self._start_if_ready()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._start_if_ready()

    def _start_if_ready(self) -> None:
        if self._pending is None or not self.isVisible() or self.is_busy():
            return
        lstm, rnn = self._pending
        self._pending = None
        if lstm is None and rnn is None:
            return
        self.status.setText("Measuring on the loaded models… (a few seconds)")
        per_bucket = self.per_bucket
        self._job = self.background.run(
            lambda _report: explain_pair(lstm, rnn, per_bucket=per_bucket),
            on_done=self._show,
            on_error=self._fail,
            name="explain",
        )

    def shutdown(self) -> None:
        """Drop what is waiting and wait for a running measurement (it cannot be interrupted)."""
        self._pending = None
        self.background.shutdown(timeout_ms=600_000)
        for section in (self.bottleneck, self.context):
            section.shutdown()

    def is_busy(self) -> bool:
        return self.background.running

    def _fail(self, message: str) -> None:
        if self._pending is not None:
            return  # superseded: a newer pair is waiting
        self.status.setText(f"Could not measure: {message}")
        self.failed.emit(message)

    def _show(self, data: Explanations) -> None:
        if self._pending is not None:
            return  # superseded: a newer pair is waiting
        self.status.setText("Live measurements on the loaded models; the sentences are the notes' claims.")
        for plot in self.plots.values():
            plot.setEnabled(True)
        for claim, sentence in live_sentences(data).items():
            self.live[claim].setText(sentence)
        for claim in self.plots:
            self.plots[claim].getPlotItem().clear()
        for name, norms in data.gradflow.items():
            self._curve("vanishing", norms, name.upper(), colour(name))
        if data.explode is not None:
            self._curve("exploding", data.gradflow["rnn"], "RNN as trained", colour("rnn"))
            self._curve("exploding", data.explode, f"RNN, W_hh × {EXPLODE_FACTOR:g}", colour("explode"))
        for name, buckets in data.probe.items():
            x = np.array([b.distance for b in buckets], dtype=float)
            y = np.array([b.accuracy for b in buckets], dtype=float)
            pen = pg.mkPen(colour(name), width=2)
            self.plots["long"].plot(x, y, pen=pen, symbol="o", symbolBrush=pen.color(), name=name.upper())
        for claim, plot in self.plots.items():
            drawn = bool(plot.getPlotItem().listDataItems())
            self.notes[claim].set_empty(
                not drawn, None if drawn else "Nothing to show: it needs a vanilla RNN"
            )
        self.computed.emit()

    def _curve(self, claim: str, norms: dict[int, float], label: str, pen_colour: str) -> None:
        ks = np.array(sorted(norms), dtype=float)
        values = np.array([norms[int(k)] for k in ks], dtype=float)
        keep = values > 0  # a log axis cannot place a zero
        self.plots[claim].plot(ks[keep], values[keep], pen=pg.mkPen(pen_colour, width=2), name=label)
