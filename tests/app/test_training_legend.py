"""The loss legend reads the same whichever model's curve arrives first."""

from __future__ import annotations

from app.panels.training_plots import TrainingPlots
from training.events import StepEvent, ValidationEvent


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
