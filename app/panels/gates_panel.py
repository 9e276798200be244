"""Inside the LSTM, token by token: heatmaps of the forget, input and output
gates and of the cell state, for a prompt and the model's continuation of it.

Rows are units (the top N by activity or by variability), columns are
positions. Hovering names the value and the token; clicking a row tints the
text by that unit's activation. A vanilla RNN has no gates: it shows h only.
The values come from the engine's ``trace_gates``, run in the background with
progress and Cancel; it inspects a bounded window of the text (the tokens
before the caret), so a long paste costs no more time or memory than a short one.
Until a person types their own, the text is a passage of the model's own held-out text
(``gates_passage``), read with the first trace; what they typed outlives a model change.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Signal
from PySide6.QtGui import QColor, QShowEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.background import Background
from app.panels.flow_layout import FlowLayout
from app.panels.gates_passage import DEMO_PROMPT, DefaultText, own_passage
from app.panels.gates_splitter import GatesSplitter
from app.panels.gates_text import describe_window
from app.panels.heatmap import LSTM_VIEWS, RNN_VIEWS, Heatmap, least_height, pick_units
from app.panels.progress_bar import ProgressBar
from app.panels.unit_tools import UnitTools
from app.plot_style import follow_palette
from lstm_core.measure.gate_trace import GateTrace, TraceStopped, trace_gates

DEFAULT_PROMPT = DEMO_PROMPT
TEXT_LINES = 2  # the text box's height: enough to see where the caret is, the rest for heatmaps


class GatesPanel(QWidget):
    drawn = Signal()  # no payload: a new trace is on screen
    failed = Signal(str)  # a short message: the trace could not be made

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.background = Background(self)
        self._request = 0  # the newest trace asked for; older ones are dropped when they arrive
        pg.setConfigOptions(antialias=True)
        self.models: dict[str, Any] = {}
        self.tokens: list[str] = []
        self.values: dict[str, np.ndarray] = {}  # view -> (T, H) of the chosen layer
        self.units = np.zeros(0, dtype=int)
        self.plots: dict[str, Heatmap] = {}
        self.images: dict[str, pg.ImageItem] = {}  # the views on screen now
        self.prompt = QPlainTextEdit(DEFAULT_PROMPT)  # the text to inspect, up to the caret
        self.default_text = DefaultText(self.prompt)  # until the person types their own
        self.prompt.setFixedHeight(self.prompt.fontMetrics().lineSpacing() * TEXT_LINES + 12)
        self.run_button = QPushButton("Generate && inspect")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = ProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.window_note = QLabel("")  # which part of the text the heatmaps show
        self.window_note.setWordWrap(True)
        self.model_box = QComboBox()
        self.layer_box = QSpinBox()
        self.layer_box.setPrefix("layer ")
        self.count_box = QSpinBox()
        self.count_box.setRange(4, 512)
        self.count_box.setValue(32)
        self.count_box.setPrefix("top ")
        self.how_box = QComboBox()
        # Variable first: the units that swing with the text show its structure; the most
        # active ones are often cells that merely drift to a large value and stay there.
        self.how_box.addItem("most variable units", "variable")
        self.how_box.addItem("most active units", "active")
        self.show_box = QComboBox()  # one view alone gets all the height a short window has
        for combo in (self.how_box, self.show_box):
            # Wide enough for every item ("most variab" read as nothing): the row wraps instead.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.show_box.addItem("all views", None)
        for name, title in LSTM_VIEWS:
            self.show_box.addItem(f"{title} only", name)
        self.hover = QLabel("Hover a cell to read it; click a row to tint the text by that unit.")
        self.hover.setWordWrap(True)
        # One PlotWidget per view, made once and shown or hidden: rebuilding plots on every
        # refresh leaves orphaned items behind, and a shared layout widget crashed at exit.
        self.view = QWidget()
        stack = QVBoxLayout(self.view)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(2)
        for name, title in (*LSTM_VIEWS, *RNN_VIEWS):
            plot = Heatmap(name, title)
            plot.scene().sigMouseMoved.connect(lambda pos, n=name: self._on_hover(pos, n))
            plot.scene().sigMouseClicked.connect(lambda event, n=name: self._on_click(event, n))
            stack.addWidget(plot, 1)
            self.plots[name] = plot
        self.text = QTextEdit()
        self.text.setReadOnly(True)
        self.tools = UnitTools()
        self.tools.found.connect(self._tint_found)
        self.splitter = GatesSplitter(self.view, self.hover, self.text, self.tools)
        buttons = QVBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.prompt, 1)
        top.addLayout(buttons)
        controls = FlowLayout(spacing=4)  # wraps onto a second row when the tab is narrow
        for widget in (self.model_box, self.layer_box, self.count_box, self.how_box, self.show_box):
            controls.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)  # every pixel of a short tab goes to the heatmaps
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(controls)
        layout.addWidget(self.window_note)
        layout.addWidget(self.splitter, 1)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.model_box.currentIndexChanged.connect(self._model_changed)
        for box in (self.layer_box, self.count_box):
            box.valueChanged.connect(self._refresh)
        for combo in (self.how_box, self.show_box):
            combo.currentIndexChanged.connect(self._refresh)
        self._trace: GateTrace | None = None
        self._stop = threading.Event()  # the running trace's: a newer request or Cancel sets it
        self._stale = False  # the models or prompt changed while the page was hidden
        self._apply_palette()

    def _apply_palette(self) -> None:
        follow_palette(self.palette(), self.plots.values(), [p.getPlotItem() for p in self.plots.values()])
        for plot in self.plots.values():
            plot.compact_title()

    def heightForWidth(self, _width: int) -> int:
        # No preferred height: a scroll area holding this page then gives it the visible height
        # (or its minimum), not the height the word-wrapped labels' layout asks of four plots.
        return -1

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.run()

    # ---- models and text in ------------------------------------------------------------
    def set_models(self, lstm: Any, rnn: Any) -> None:
        """LoadedModel-like objects (model, tokenizer, meta, path); either may be None."""
        self.models = {name: m for name, m in (("LSTM", lstm), ("RNN", rnn)) if m is not None}
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItems(list(self.models))
        self.model_box.blockSignals(False)
        self.default_text.choose(next(iter(self.models.values()), None))
        self._model_changed()

    def _model_changed(self) -> None:
        loaded = self.models.get(self.model_box.currentText())
        if loaded is None:
            return
        self.layer_box.setRange(0, loaded.model.config.layers - 1)
        self.layer_box.setValue(loaded.model.config.layers - 1)
        self.count_box.setMaximum(loaded.model.config.hidden)
        self.tools.set_model(loaded)
        self.run()

    def run(self) -> None:
        """Continue the text greedily, then inspect a window of it and the continuation.

        Lazy like the Explain page: while hidden it only notes that the view is stale, so a
        model change does not pay for a page nobody is looking at. The trace runs in the
        background with progress; a newer request stops the older one, and only the
        newest is drawn.
        """
        loaded = self.models.get(self.model_box.currentText())
        if loaded is None:
            return
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        model, tokenizer = loaded.model, loaded.tokenizer
        text, caret = self.prompt.toPlainText(), self.prompt.textCursor().position()
        reading = self.default_text.pending
        self._stop.set()  # the previous trace, if any: its result would be dropped anyway
        stop = self._stop = threading.Event()
        self._request += 1
        request = self._request
        self._busy(True)

        def done(result: tuple[str | None, GateTrace | None]) -> None:
            if request != self._request:
                return
            self._busy(False)
            read, trace = result
            self.default_text.arrived(reading, read)
            if trace is None:
                self.window_note.setText("Cancelled: the heatmaps show the previous trace.")
                return
            self._trace = trace
            self.tokens = trace.tokens
            self.tools.prompt = "".join(trace.tokens[: trace.text_tokens])
            self.window_note.setText(describe_window(trace))
            self._refresh()
            self.drawn.emit()

        def fail(message: str) -> None:
            if request == self._request:
                self._busy(False)
                self.hover.setText(f"Could not inspect: {message}")
                self.failed.emit(message)

        def progress(fraction: object) -> None:
            if request == self._request:
                self.progress.setValue(round(1000 * float(fraction)))  # type: ignore[arg-type]

        def work(report: Any) -> tuple[str | None, GateTrace | None]:
            read = None if reading is None else own_passage(reading)
            source, at = (text, caret) if read is None else (read, len(read))
            try:
                return read, trace_gates(
                    model, tokenizer, source, caret=at, progress=report, stop=stop.is_set
                )
            except TraceStopped:
                return read, None

        self.background.run(
            work, on_done=done, on_error=fail, on_event=progress, on_stop=stop.set, name="gate trace"
        )

    def cancel(self) -> None:
        """Stop the running trace at its next chunk; the heatmaps on screen stay."""
        self._stop.set()

    def _busy(self, busy: bool) -> None:
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        if busy:
            self.window_note.setText("Inspecting…")

    def shutdown(self) -> None:
        self._stop.set()
        self.background.shutdown()
        self.tools.shutdown()

    def show_text(self, prompt: str) -> None:
        self.prompt.setPlainText(prompt)
        self.prompt.moveCursor(QTextCursor.MoveOperation.End)
        self.run()

    # ---- drawing -------------------------------------------------------------------------
    def _refresh(self) -> None:
        if self._trace is None:
            return
        self.values = self._trace.views(self.layer_box.value())
        base = self.values["c" if "c" in self.values else "h"]
        self.units = pick_units(base, min(self.count_box.value(), base.shape[1]), self.how_box.currentData())
        self.images = {}
        drawn = {n for n, _ in (LSTM_VIEWS if "c" in self.values else RNN_VIEWS)}
        if self.show_box.currentData() in drawn:
            drawn = {self.show_box.currentData()}
        lowest = [name for name in self.plots if name in drawn][-1]
        for name, plot in self.plots.items():
            plot.setVisible(name in drawn)
            if name not in drawn:
                continue
            assert isinstance(plot, Heatmap)
            plot.show_values(self.values[name], self.units, self.tokens, labelled=name == lowest)
            below = plot.token_axis.label_room() if name == lowest else 0
            plot.setMinimumHeight(least_height(len(self.units), below))
            image = plot.image
            self.images[name] = image
        self._tint_text(None)

    def _cell_at(self, pos: QPointF, name: str) -> tuple[int, int] | None:
        """(position, row) under a point of the named view's scene, or None."""
        return self.plots[name].cell_at(pos) if name in self.images else None

    def _on_hover(self, pos: QPointF, name: str) -> None:
        hit = self._cell_at(pos, name)
        if hit is None:
            return
        t, row = hit
        value = self.values[name][t, self.units[row]]
        self.hover.setText(
            f"{name} · unit {self.units[row]} · position {t} · token {self.tokens[t]!r} · value {value:+.3f}"
        )

    def _on_click(self, event: Any, name: str) -> None:
        hit = self._cell_at(event.scenePos(), name)
        if hit is not None:
            self.select_unit(name, int(self.units[hit[1]]))

    def _tint_found(self, found: tuple[str, Any]) -> None:
        """Tint the text by the unit UnitTools found for a property, if the trace has its layer."""
        name, best = found
        if self._trace is None or best.layer >= len(self._trace.layers):
            return
        self.layer_box.setValue(best.layer)
        self.values = self._trace.views(best.layer)
        self._tint_text((best.state, best.unit))
        result = self.tools.result  # the line under the heatmaps is in view at any window size
        untrained = "" if result is None or result.baseline is None else f", untrained {result.baseline:.2f}"
        chance = f"; {result.verdict()}" if result is not None and result.shown != "unit" else ""
        self.hover.setText(
            f"text tinted by {best.label()}, the unit that best tracks {name} "
            f"(r = {best.r:+.2f}{untrained}){chance}"
        )

    def select_unit(self, view: str, unit: int) -> None:
        """Tint every token of the text by this unit's value in this view."""
        self._tint_text((view, unit))

    def _tint_text(self, selection: tuple[str, int] | None) -> None:
        self.text.clear()
        cursor = self.text.textCursor()
        values = None
        if selection is not None:
            view, unit = selection
            values = self.values[view][:, unit]
            scale = 1.0 if view in ("forget", "input", "output") else max(1e-6, float(np.abs(values).max()))
            self.hover.setText(f"text tinted by {view} of unit {unit} (red positive, blue negative)")
        for t, token in enumerate(self.tokens):
            fmt = QTextCharFormat()
            if values is not None:
                v = float(values[t]) / scale
                fmt.setBackground(
                    QColor(214, 39, 40, round(200 * v)) if v >= 0 else QColor(31, 119, 180, round(-200 * v))
                )
            cursor.insertText(token, fmt)
        self.text.moveCursor(QTextCursor.MoveOperation.Start)
