"""The loss legend reads the same whichever model's curve arrives first."""

from __future__ import annotations

from app.panels.training_plots import TrainingPlots
from training.common.events import StepEvent, ValidationEvent


def _step(model: str, step: int) -> StepEvent:
    return StepEvent(model, step, 1000, 2.0, 1e-3, 0.5, False, 9000.0, 10.0, 30.0, step / 1000)


def test_legend_lists_train_then_validation_lstm_before_rnn(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.add_validation(ValidationEvent("rnn", 50, 1.2, 3.3, 0.4))  # the RNN's validation came first
    plots.add_steps([_step("rnn", 1), _step("lstm", 1)])
    plots.add_validation(ValidationEvent("lstm", 50, 1.1, 3.0, 0.38))
    labels = [label.text for _sample, label in plots.loss_legend.items]
    assert labels == ["LSTM train", "RNN train", "LSTM validation", "RNN validation"]


def _labels(plots: TrainingPlots) -> list[str]:
    return [label.text for _sample, label in plots.loss_legend.items]


def test_a_run_lists_its_models_at_the_start_and_its_first_steps_keep_the_legend(qtbot):
    """Relisted as each model's first steps arrived, the legend re-laid out both plots in the
    same update as the first curves: the window's longest stall as a run began."""
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.reset(1.0, ("lstm", "rnn"))
    assert _labels(plots) == ["LSTM train", "RNN train", "LSTM validation", "RNN validation"]
    listed = [label for _sample, label in plots.loss_legend.items]
    plots.add_steps([_step("lstm", 1)])  # the LSTM's first step arrives alone
    plots.add_steps([_step("rnn", 1), _step("lstm", 2)])
    assert [label for _sample, label in plots.loss_legend.items] == listed  # the same items: not relisted
    plots.reset(1.0, ("lstm",))  # an LSTM-only run next
    assert _labels(plots) == ["LSTM train", "LSTM validation"]


def test_a_run_of_unknown_models_lists_them_as_they_arrive(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.reset(1.0, ("lstm", "rnn"))
    plots.reset(None)
    assert _labels(plots) == []
    plots.add_steps([_step("gru", 1)])
    assert _labels(plots) == ["GRU train", "GRU validation"]


def test_run_models_names_the_models_a_spec_trains(tmp_path, tiny):
    from app.panels.training_status import run_models
    from training.checkpoints.checkpoint import read_metadata
    from training.run_spec import RunSpec, contrast_rnn_spec, resume_spec

    corpus = (str(tiny.corpus),)
    assert run_models(RunSpec(paths=corpus, out_dir=tmp_path, compare_rnn=True)) == ("lstm", "rnn")
    gru = RunSpec(paths=corpus, out_dir=tmp_path, model_options={"cell": "gru"})
    assert run_models(gru) == ("gru",)
    meta = read_metadata(tiny.lstm)
    assert run_models(contrast_rnn_spec(meta, paths=corpus, out_dir=tmp_path)) == ("rnn",)
    assert run_models(resume_spec(tiny.lstm.parent)) == ("lstm", "rnn")  # the run kept its RNN


def test_a_run_that_ended_fits_the_step_axis_to_its_curves(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.reset(1.0, ("lstm",))
    plots.add_steps([_step("lstm", s) for s in range(1, 101)])  # of 1000 steps
    assert plots.loss_plot.vb.viewRange()[0][1] >= 1000  # while it runs: the step it will end at
    plots.run_ended()  # stopped at step 100: fitted at once, not at the next paint
    low, high = plots.loss_plot.vb.viewRange()[0]
    assert 100 <= high < 200 and low <= 1
