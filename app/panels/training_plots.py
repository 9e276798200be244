"""Live curves: train and validation loss of both models on one plot, and the
gradient norm per step with the clipping threshold drawn across it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.plot_style import colour, follow_palette
from training.checkpoint import CheckpointError, read_metadata
from training.events import StepEvent, ValidationEvent
from training.run import RNN_SUBDIR

MIN_PLOT_HEIGHT = 120  # px: below this tick labels overlap and a curve is a smear
SIDE_BY_SIDE = 2.4  # width/height ratio above which the two plots sit side by side, not stacked


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


class StepAxis(pg.AxisItem):
    """Steps are whole numbers: no "0.5" ticks early in a run, thousands grouped."""

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
        # Axis labels instead of titles: a title row cost each plot a fifth of its height.
        self.loss_plot = pg.PlotItem(axisItems={"bottom": StepAxis("bottom")})
        self.grad_plot = pg.PlotItem(axisItems={"bottom": StepAxis("bottom")})
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
        self.grad_plot.setYRange(0, 2)  # until data arrives: readable empty axes
        self.loss_plot.setYRange(0, 5)
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
        self._curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.clipped: dict[str, int] = {}
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
    def reset(self, clip_threshold: float | None) -> None:
        for curve in self._curves.values():
            curve.getViewBox().removeItem(curve)
            self.loss_legend.removeItem(curve)
        self._curves.clear()
        self._train.clear()
        self._val.clear()
        self._grad.clear()
        self.clipped.clear()
        self.set_threshold(clip_threshold)

    def set_threshold(self, value: float | None) -> None:
        self.threshold.setVisible(value is not None)
        if value is not None:
            self.threshold.setValue(float(value))

    def add_steps(self, events: list[StepEvent]) -> None:
        """One batch (~10 a second): store every point, redraw each touched curve once."""
        if not self._train:  # first data: let the axes follow it
            self.loss_plot.enableAutoRange()
            self.grad_plot.enableAutoRange()
        touched: set[str] = set()
        for e in events:
            self._train.setdefault(e.model, _Series()).add(e.step, e.loss)
            self._grad.setdefault(e.model, _Series()).add(e.step, max(e.grad_norm, 1e-8))
            self.clipped[e.model] = self.clipped.get(e.model, 0) + int(e.clipped)
            touched.add(e.model)
        for model in touched:
            self._curve(model, "train").setData(*self._train[model].arrays())
            self._curve(model, "grad").setData(*self._grad[model].arrays())

    def add_validation(self, event: ValidationEvent) -> None:
        series = self._val.setdefault(event.model, _Series())
        series.add(event.step, event.loss_nats)
        self._curve(event.model, "val").setData(*series.arrays())

    def has_data(self) -> bool:
        return bool(self._train or self._val)

    def add_history(self, run_dir: Path) -> int:
        """Draw the validation curves a run folder's checkpoints keep; returns the points drawn."""
        drawn = 0
        for folder in (run_dir, run_dir / RNN_SUBDIR):
            try:
                meta = read_metadata(folder)
            except CheckpointError:
                continue
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
            if kind in ("train", "val"):
                self._list_legend()
        return self._curves[key]

    def _list_legend(self) -> None:
        """Train before validation, the RNN after its LSTM: the order the curves arrive in
        (an RNN's validation can come first) made the legend read differently from run to run."""
        self.loss_legend.clear()
        loss_curves = [(key, item) for key, item in self._curves.items() if key[1] in ("train", "val")]
        for (model, kind), item in sorted(loss_curves, key=lambda e: (e[0][1] == "val", e[0][0] == "rnn")):
            self.loss_legend.addItem(item, f"{model.upper()} {'train' if kind == 'train' else 'validation'}")

    def _apply_palette(self) -> None:
        follow_palette(self.palette(), [self.view], [self.loss_plot, self.grad_plot])
        self.loss_legend.setLabelTextColor(self.palette().color(self.palette().ColorRole.Text))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)
