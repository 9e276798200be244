"""The plots read as what they are: step axes from 0, runs in colours no model uses, log-axis
labels apart, a legend marker per series in its colour, words on an empty plot, and progress
text in one colour."""

from __future__ import annotations

import itertools
import shutil

import pytest

pytest.importorskip("pytestqt")

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFontMetricsF, QGuiApplication, QPalette

from app.panels.explain_panel import ExplainPanel
from app.panels.runs_panel import RunsPanel
from app.panels.training_plots import TrainingPlots
from app.plot_style import COLOURS
from lstm_core.measure.context import ContextCurve
from tests.training.checkpoints.test_run_history import resave
from training.checkpoints.run_meta import Progress
from training.common.events import StepEvent, ValidationEvent


def _step(model: str, step: int, total: int = 3000) -> StepEvent:
    return StepEvent(model, step, total, 2.0, 1e-3, 0.5, False, 9000.0, 10.0, 30.0, step / total)


def _note(plot: pg.PlotItem) -> str:
    """The words a plot shows in place of data, or "" when it shows none."""
    texts = [item for item in plot.getViewBox().childItems() if isinstance(item, pg.TextItem)]
    return " ".join(item.toPlainText() for item in texts if item.isVisible())


def test_the_step_axes_start_at_zero_during_and_after_a_run(qtbot) -> None:
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(500, 240)  # narrow, as in the dock at 1280×720: pyqtgraph's padding was widest
    plots.show()
    plots.reset(1.0, ("lstm", "rnn"))
    steps = range(1, 904)
    plots.add_steps([_step(m, s) for s in steps for m in ("lstm", "rnn")])
    plots.add_validation(ValidationEvent("lstm", 900, 1.04, 2.8, 0.34))
    for plot in (plots.loss_plot, plots.grad_plot):
        assert plot.vb.viewRange()[0][0] == pytest.approx(0, abs=1e-6)  # was −500 with 3,000 steps to go
    plots.run_ended()
    for plot in (plots.loss_plot, plots.grad_plot):
        low, high = plot.vb.viewRange()[0]
        assert low == pytest.approx(0, abs=1e-6) and 903 <= high <= 1000


def test_runs_are_overlaid_in_colours_no_model_uses(qtbot, tiny, tmp_path) -> None:
    runs = tmp_path / "runs"
    shutil.copytree(tiny.lstm.parent, runs / "alpha")
    resave(tiny.lstm, runs / "beta", progress=Progress(step=9, done=False))
    panel = RunsPanel(runs)
    qtbot.addWidget(panel)
    panel.select_folders([r.folder for r in panel.records.values()])
    models = [QColor(COLOURS[name]) for name in ("lstm", "rnn")]
    colours = {curve.opts["pen"].color().name() for curve in panel.plot.listDataItems()}
    assert len(colours) == 2  # one per run
    for name in colours:
        run = QColor(name)
        for model in models:
            apart = (
                sum((a - b) ** 2 for a, b in zip(run.getRgb()[:3], model.getRgb()[:3], strict=True)) ** 0.5
            )
            assert apart > 60, (name, model.name())  # runs 1 and 2 were the LSTM's blue and the RNN's orange
    assert panel.plot.vb.viewRange()[0][0] == pytest.approx(0, abs=1e-6)
    assert not _note(panel.plot)
    panel.select_folders([])
    assert _note(panel.plot)  # nothing selected: words, not empty axes


def _labels_along(
    axis: pg.AxisItem, low: float, high: float, pixels: float
) -> list[tuple[float, float, str]]:
    """(left, right, text) of every label the axis writes over ``pixels`` from ``low`` to ``high``
    (log10 of the values on a log axis), in pixels, left to right."""
    metrics = QFontMetricsF(axis.style.get("tickFont") or QGuiApplication.font())
    boxes = []
    for spacing, values in axis.tickValues(low, high, pixels):
        for value, text in zip(values, axis.tickStrings(values, 1.0, spacing), strict=True):
            if text:
                centre = (value - low) / (high - low) * pixels
                half = metrics.horizontalAdvance(text) / 2
                boxes.append((centre - half, centre + half, text))
    return sorted(boxes)


def _curve(name: str) -> ContextCurve:
    ks = (1, 2, 5, 10, 20, 50, 100, 200)  # a word-level model on the demo text: two decades and a bit
    return ContextCurve(name, name, {k: 3.0 / (1 + k / 40) for k in ks}, 1.2, 256)


def test_the_context_plots_log_axis_labels_stand_apart_and_each_series_has_its_colour(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    section = panel.context
    section.show_result(([_curve("lstm"), _curve("rnn")], "the demo text"))
    item = section.plot.getPlotItem()
    axis = item.getAxis("bottom")
    assert axis.logMode
    for pixels in (230, 400, 700):  # the axis at PLOT_MIN_WIDTH, and wider
        boxes = _labels_along(axis, -0.05, 2.35, pixels)
        assert len(boxes) >= 3, boxes  # 1, 10, 100 at least
        for (_, right, a), (left, _, b) in itertools.pairwise(boxes):
            assert right + 2 <= left, (pixels, a, b)  # "2·10¹3·10¹4·10¹…" overprinted
    markers = {}
    for sample, label in item.legend.items:
        opts = sample.item.opts
        brush = opts["symbolBrush"]
        markers[label.text] = (
            pg.mkBrush(brush).color().name() if brush is not None else None,
            opts["pen"].color().name(),
        )
    assert set(markers) == {"LSTM", "RNN"}
    assert markers["LSTM"][0] != markers["RNN"][0]  # both were pyqtgraph's default blue
    assert all(brush == pen for brush, pen in markers.values())
    panel.shutdown()


def test_empty_plots_say_so_until_data_arrives(qtbot) -> None:
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    assert "No data" in _note(plots.loss_plot) and "No data" in _note(plots.grad_plot)
    assert plots.loss_plot.getAxis("left").opacity() == 0  # no placeholder axes from 0 to 5
    plots.add_steps([_step("lstm", 1)])
    assert not _note(plots.loss_plot) and not _note(plots.grad_plot)
    assert plots.loss_plot.getAxis("left").opacity() == 1
    plots.reset(1.0, ("lstm",))
    assert "No data" in _note(plots.loss_plot)
    explain = ExplainPanel(per_bucket=2)
    qtbot.addWidget(explain)
    assert all(_note(plot.getPlotItem()) for plot in explain.plots.values())
    assert _note(explain.context.plot.getPlotItem()) and _note(explain.bottleneck.plot.getPlotItem())


def _luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green()) + 0.0722 * channel(colour.blue())


def test_the_progress_text_is_one_colour_readable_over_both_parts(window) -> None:
    bar = window.dashboard.progress
    palette = bar.palette()
    text, filled = palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Highlight)
    assert palette.color(QPalette.ColorRole.HighlightedText) == text  # was white over the chunk, black beside
    light, dark = sorted((_luminance(text), _luminance(filled)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5  # WCAG AA over the filled part
    for other in (window.gates.progress, window.corpus.progress, window.explain.context.progress):
        assert other.palette().color(QPalette.ColorRole.HighlightedText) == other.palette().color(
            QPalette.ColorRole.Text
        )
