"""A resumed run's curves: kept across a resume by the window that trained it; otherwise the
step it resumed from is marked "resumed", since its checkpoint keeps only the validation
history and the training-loss and gradient curves start again there."""

from __future__ import annotations

import pyqtgraph as pg

from app.panels.training_panel import LAST_RUN_KEY
from tests.training.checkpoints.test_run_history import resave
from training.checkpoints.run_meta import Progress
from training.common.events import StepEvent


def _step(model: str, step: int) -> StepEvent:
    return StepEvent(model, step, 20, 2.0, 1e-3, 0.5, False, 9000.0, 10.0, 30.0, step / 20)


def _marks(plot: pg.PlotItem) -> list[tuple[float, str]]:
    lines = [item for item in plot.items if isinstance(item, pg.InfiniteLine) and item.angle == 90]
    return [(float(line.value()), line.label.toPlainText() if line.label else "") for line in lines]


def _paused_run(tmp_path, tiny):
    run = tmp_path / "runs" / "paused-run"
    resave(tiny.lstm, run, progress=Progress(step=7, done=False))
    return run


def test_a_run_resumed_in_a_new_session_marks_where_its_curves_start_again(
    window, tiny, tmp_path, monkeypatch
):
    run = _paused_run(tmp_path, tiny)
    dash = window.dashboard
    started = []
    monkeypatch.setattr(dash.controller, "start", started.append)  # the layout only: no training
    window.settings.set_str(LAST_RUN_KEY, str(run))
    dash.resume_run(run)
    assert started and started[0].resume
    plots = dash.plots
    assert plots.points("lstm", "val") > 0  # the history its checkpoint keeps
    for plot in (plots.loss_plot, plots.grad_plot):
        assert _marks(plot) == [(7.0, "resumed")], plot
    dash.plots.add_steps([_step("lstm", 8)])
    assert _marks(plots.loss_plot) == [(7.0, "resumed")]  # the mark stays while the run goes on
    plots.reset(1.0, ("lstm",))  # a new run
    assert _marks(plots.loss_plot) == [] and _marks(plots.grad_plot) == []


def test_the_window_that_trained_a_run_keeps_its_curves_across_a_resume(window, tiny, tmp_path, monkeypatch):
    run = _paused_run(tmp_path, tiny)
    dash = window.dashboard
    monkeypatch.setattr(dash.controller, "start", lambda spec: None)
    dash.plots.reset(1.0, ("lstm",))
    dash.plots.add_steps([_step("lstm", s) for s in range(1, 8)])
    dash.run_dir = run  # this window trained it up to step 7, then it stopped
    window.settings.set_str(LAST_RUN_KEY, str(run))
    dash.resume_run(run)
    assert dash.plots.points("lstm", "train") == 7 and dash.plots.points("lstm", "grad") == 7
    assert _marks(dash.plots.loss_plot) == []  # no gap to explain
