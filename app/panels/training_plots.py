"""Live curves: train and validation loss of both models on one plot, and the
gradient norm per step with the clipping threshold drawn across it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.panels.empty_plot import note_empty
from app.panels.resume_mark import ResumeMarks
from app.panels.steady_plot import steady_plot
from app.plot_style import colour, follow_palette
from training.checkpoints.checkpoint import RNN_SUBDIR, CheckpointError, read_metadata
from training.common.events import StepEvent, ValidationEvent

PREMADE = ("lstm", "rnn")  # the models of a default run: the LSTM and its vanilla RNN
MIN_PLOT_HEIGHT = 120  # px: below this tick labels overlap and a curve is a smear
SIDE_BY_SIDE = 2.4  # width/height ratio above which the two plots sit side by side, not stacked
NO_DATA = "No data yet: the curves appear when training starts"
EDGE_PX = 16  # how far the "0" label may stand before the start of its axis


class _Series:
    """A growing (x, y) series held in plain lists, handed to pyqtgraph as numpy."""

    def __init__(self) -> None:
        self.x: list[float] = []
        self.y: list[float] = []

    def add(self, x: float, y: float) -> None:
        self.x.append(x)
        self.y.append(y)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.x, dtype=np.float64), np.asarray(self.y, dtype=np.float64)


def expected_last_step(event: StepEvent) -> float | None:
    """The step the model's run should end at: its step budget, or under a time budget the
    step its pace so far reaches when the time is up (None before any progress)."""
    if event.total_steps is not None:
        return float(event.total_steps)
    return event.step / event.progress if event.progress > 0 else None


def _legend_order(entry: tuple[str, str]) -> tuple[bool, bool]:
    model, kind = entry
    return kind == "val", model == "rnn"


class StepAxis(pg.AxisItem):
    """Steps are whole numbers: no "0.5" ticks early in a run, thousands grouped."""

    def boundingRect(self) -> QRectF:
        # The range starts at step 0 exactly, so "0" stands half outside the axis, and pyqtgraph
        # drops a label that leaves this rectangle: a few pixels past the start are allowed.
        return super().boundingRect().adjusted(-EDGE_PX, 0, 0, 0)

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = super().tickSpacing(minVal, maxVal, size)
        kept = [(spacing, offset) for spacing, offset in levels if spacing >= 1]
        return kept or [(1.0, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{round(v * scale):,}" for v in values]


class TrainingPlots(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.view = pg.GraphicsLayoutWidget()
        # The legend gets its own row above the plots: drawn inside, it hid the curves.
        self.loss_legend = pg.LegendItem(colCount=4)
        self._reserve_legend_row()
        # Axis labels instead of titles: a title row cost each plot a fifth of its height.
        self.loss_plot = steady_plot(axisItems={"bottom": StepAxis("bottom")})
        self.grad_plot = steady_plot(axisItems={"bottom": StepAxis("bottom")})
        self.loss_plot.setLabel("left", "loss, nats")
        self.grad_plot.setLabel("left", "grad norm")
        self.grad_plot.setToolTip("Gradient norm before clipping; dashed: the clipping threshold")
        self.side_by_side: bool | None = None
        self._arrange(side_by_side=False)
        self.view.setMinimumHeight(MIN_PLOT_HEIGHT + 40)
        for plot in (self.loss_plot, self.grad_plot):
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
        self.grad_plot.setXLink(self.loss_plot)
        self.grad_plot.setYRange(0, 2)  # until data arrives (its axes are hidden meanwhile)
        self.loss_plot.setYRange(0, 5)
        self.loss_note = note_empty(self.loss_plot, NO_DATA)
        self.grad_note = note_empty(self.grad_plot, "No data yet")
        self.resumed = ResumeMarks((self.loss_plot, self.grad_plot))
        self.threshold = pg.InfiniteLine(
            angle=0, pen=pg.mkPen("#d62728", width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        self.threshold.setZValue(10)
        self.grad_plot.addItem(self.threshold)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._train: dict[str, _Series] = {}
        self._val: dict[str, _Series] = {}
        self._grad: dict[str, _Series] = {}
        # Made once per model and kept for later runs: made at a run's first steps, with its
        # legend entries, they cost that update ~20 ms more than the window can spare.
        self._curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        for model in PREMADE:
            for kind in ("train", "val", "grad"):
                self._curve(model, kind)
        self._listed: list[tuple[str, str]] = []  # the legend's entries, (model, kind)
        self.clipped: dict[str, int] = {}
        self._clip: float | None = 1.0  # the clipping threshold drawn, once there are curves
        self.set_threshold(1.0)
        self._apply_palette()

    def _arrange(self, *, side_by_side: bool) -> None:
        """Stacked in a tall area, side by side in a wide, short one (a 1280×720 window)."""
        if side_by_side == self.side_by_side:
            return
        layout = self.view.ci
        for item in (self.loss_legend, self.loss_plot, self.grad_plot):
            if item in layout.items:
                layout.removeItem(item)
        if side_by_side:
            layout.addItem(self.loss_legend, row=0, col=0, colspan=2)
            layout.addItem(self.loss_plot, row=1, col=0)
            layout.addItem(self.grad_plot, row=1, col=1)
            layout.layout.setRowStretchFactor(1, 1)
            layout.layout.setRowStretchFactor(2, 0)
        else:
            layout.addItem(self.loss_legend, row=0, col=0)
            layout.addItem(self.loss_plot, row=1, col=0)
            layout.addItem(self.grad_plot, row=2, col=0)
            layout.layout.setRowStretchFactor(1, 3)
            layout.layout.setRowStretchFactor(2, 2)
        self.side_by_side = side_by_side
        self.loss_plot.setLabel("bottom", "step")
        self.grad_plot.setLabel("bottom", "step")

    def resizeEvent(self, event: QResizeEvent) -> None:
        size = event.size()
        self._arrange(side_by_side=size.width() > SIDE_BY_SIDE * size.height())
        super().resizeEvent(event)

    # ---- data in ----------------------------------------------------------------------
    def reset(self, clip_threshold: float | None, models: Sequence[str] | None = None) -> None:
        """Empty plots for a new run. Its ``models``, where known, are listed in the legend
        now: listed as each model's first steps arrived, the legend re-laid out the plots in
        the same update as the run's first curves and axes, a stall of ~50 ms."""
        for curve in self._curves.values():
            curve.clear()
        wanted = self._entries(list(models or ()), [])
        if wanted != self._listed:
            self._list_legend(wanted)
            self.view.ci.layout.activate()
        self._train.clear()
        self._val.clear()
        self._grad.clear()
        self.clipped.clear()
        self.resumed.clear()
        self.loss_note.set_empty(True)
        self.grad_note.set_empty(True)
        self._set_x_reach(None)
        self.set_threshold(clip_threshold)

    def set_threshold(self, value: float | None) -> None:
        self._clip = value
        self._show_threshold()
        if value is not None:
            self.threshold.setValue(float(value))

    def _show_threshold(self) -> None:
        """Across the gradient curves, not across an empty plot's note."""
        self.threshold.setVisible(self._clip is not None and bool(self._grad))

    def add_steps(self, events: Sequence[StepEvent]) -> None:
        """One batch (~10 a second): store every point, redraw each touched curve once."""
        if not self._train:  # first data: let the axes follow it
            self.loss_plot.enableAutoRange()
            self.grad_plot.enableAutoRange()
            self.loss_note.set_empty(False)
            self.grad_note.set_empty(False)
        touched: set[str] = set()
        reach = self.loss_plot.vb.x_reach
        for e in events:
            end = expected_last_step(e)
            reach = end if reach is None or (end is not None and end > reach) else reach
            self._train.setdefault(e.model, _Series()).add(e.step, e.loss)
            self._grad.setdefault(e.model, _Series()).add(e.step, max(e.grad_norm, 1e-8))
            self.clipped[e.model] = self.clipped.get(e.model, 0) + int(e.clipped)
            touched.add(e.model)
        for model in touched:
            self._curve(model, "train").setData(*self._train[model].arrays())
            self._curve(model, "grad").setData(*self._grad[model].arrays())
        self._set_x_reach(reach)
        self._show_threshold()
        self._settle()

    def add_validation(self, event: ValidationEvent) -> None:
        series = self._val.setdefault(event.model, _Series())
        series.add(event.step, event.loss_nats)
        self.loss_note.set_empty(False)
        self._curve(event.model, "val").setData(*series.arrays())
        self._settle()

    def run_ended(self) -> None:
        """A stopped run's curves end early: fit the step axis to them, not to the step the
        run was to reach (they would fill a sliver of the plot)."""
        self._set_x_reach(None)
        self._settle()

    def _set_x_reach(self, step: float | None) -> None:
        for plot in (self.loss_plot, self.grad_plot):
            if plot.vb.x_reach != step:
                plot.vb.x_reach = step
                plot.vb.queueUpdateAutoRange()

    def _settle(self) -> None:
        """List the legend if the run's models changed, and fit the ranges, before the next paint."""
        # Entries only come during a run: one that goes is a model of the run yet to report.
        listing = sorted({*self._listed, *self._legend_entries()}, key=_legend_order)
        if listing != self._listed:
            self._list_legend(listing)
            # The new entries resize the legend: lay the plots out now, not when the paint
            # begins, so that their ranges are fitted to the final size once.
            self.view.ci.layout.activate()
        # pyqtgraph fits auto-ranged axes when a paint begins; the new ranges then ask for a
        # second paint of both plots. Fitting them now, with the data, leaves one paint.
        self.view.scene().prepareForPaint()

    def has_data(self) -> bool:
        return bool(self._train or self._val)

    def add_history(self, run_dir: Path) -> int:
        """Draw the validation curves a run folder's checkpoints keep, and mark the step the
        run resumes from (the other curves begin there); returns the points drawn."""
        drawn = 0
        for folder in (run_dir, run_dir / RNN_SUBDIR):
            try:
                meta = read_metadata(folder)
            except CheckpointError:
                continue
            self.resumed.mark(meta.progress.step)
            model = meta.model.cell if meta.model else meta.name
            for p in meta.metrics.history:
                self.add_validation(
                    ValidationEvent(
                        model=model,
                        step=p.step,
                        loss_nats=p.val_loss,
                        perplexity=float(np.exp(min(p.val_loss, 50.0))),
                        bits_per_char=p.bits_per_char,
                    )
                )
                drawn += 1
        return drawn

    def points(self, model: str, kind: str) -> int:
        store = {"train": self._train, "val": self._val, "grad": self._grad}[kind]
        return len(store[model].x) if model in store else 0

    # ---- drawing ----------------------------------------------------------------------
    def _curve(self, model: str, kind: str) -> pg.PlotDataItem:
        key = (model, kind)
        if key not in self._curves:
            c = colour(model)
            if kind == "train":
                item = self.loss_plot.plot(pen=pg.mkPen(c, width=1.2))
                item.setOpacity(0.75)
            elif kind == "val":
                item = self.loss_plot.plot(
                    pen=pg.mkPen(c, width=2.5),
                    symbol="o",
                    symbolSize=7,
                    symbolBrush=c,
                    symbolPen=None,
                )
            else:
                item = self.grad_plot.plot(pen=pg.mkPen(c, width=1.0))
            self._curves[key] = item
        return self._curves[key]

    def _reserve_legend_row(self) -> None:
        """Keep the legend's row one line of entries tall while it is empty: filled by a
        run's first curves, it shrank both plots and re-laid them out, a redraw of ~40 ms."""
        probe = pg.PlotDataItem()
        self.loss_legend.addItem(probe, "LSTM train")
        self.loss_legend.layout.activate()
        height = self.loss_legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).height()
        self.loss_legend.removeItem(probe)
        self.loss_legend.setMinimumHeight(height)

    def _legend_entries(self) -> list[tuple[str, str]]:
        """Train before validation, the RNN after its LSTM: the order the curves arrive in
        (an RNN's validation can come first) made the legend read differently from run to run.
        A model's validation is listed with its first steps, before its first validation:
        listed later, it re-laid out both plots in the middle of the run."""
        return self._entries(list(self._train), list(self._val))

    @staticmethod
    def _entries(trained: list[str], validated: list[str]) -> list[tuple[str, str]]:
        models = [*trained, *(m for m in validated if m not in trained)]
        entries = [(m, "train") for m in trained] + [(m, "val") for m in models]
        return sorted(entries, key=_legend_order)

    def _list_legend(self, entries: list[tuple[str, str]]) -> None:
        self.loss_legend.clear()
        self._listed = entries
        for model, kind in self._listed:
            label = f"{model.upper()} {'train' if kind == 'train' else 'validation'}"
            self.loss_legend.addItem(self._curve(model, kind), label)

    def _apply_palette(self) -> None:
        follow_palette(self.palette(), [self.view], [self.loss_plot, self.grad_plot])
        self.loss_legend.setLabelTextColor(self.palette().color(self.palette().ColorRole.Text))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)
