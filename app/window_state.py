"""What the window shows of its state, as its models, its run and its generation change:
the panels told the models, the status bar's model label, the title, and which actions
are enabled. The window's reactions, kept apart from its composition."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.window_title import refresh_title

if TYPE_CHECKING:
    from app.controller import TrainingState
    from app.window_parts import StateParts


def models_changed(window: StateParts) -> None:
    main, rnn = window.models.main, window.models.rnn
    window.generation.set_model(main)
    window.contrast.set_models(main, rnn)
    window.explain.set_models(main, rnn)
    window.gates.set_models(main, rnn)
    if main is None:
        label = "No model"
    else:
        label = main.run_label() + (" · + its RNN" if rnn is not None else " · no RNN")
    window.model_label.setText(label)
    # The corpus panel's level is the person's choice for the next run: loading a model of
    # another level leaves it as it is.
    has = main is not None
    for name in ("save_model", "model_card", "export_onnx"):
        window.actions_by_name[name].setEnabled(has)
    refresh_title(window)


def training_state_changed(window: StateParts, state: TrainingState) -> None:
    idle = state == "idle"
    actions = window.actions_by_name
    actions["train"].setEnabled(idle)
    actions["pause"].setEnabled(state == "running")
    actions["stop_training"].setEnabled(state in ("running", "paused"))
    # The dashboard has just decided (it connected first): F7 works exactly when its button does.
    actions["resume"].setEnabled(window.dashboard.resume_button.isEnabled())
    window.contrast.set_training(not idle)
    if state == "running":
        window.save_failure_shown = False
    elif idle and window.training.results is None:  # its results refreshed them already
        window.runs.refresh()


def generating_changed(window: StateParts) -> None:
    # Enabled exactly while something generates: the signal of the other one may lag.
    busy = window.generation.runner.running or window.contrast.running
    window.actions_by_name["stop"].setEnabled(busy)


GENERATING = "Generating…"


def say_generating(window: StateParts, busy: bool) -> None:
    """ "Generating…" while the Generate tab writes, and "Ready" when it stops; a model change
    that leaves it idle says nothing (it said "Ready" beside "No model" at start-up)."""
    bar = window.statusBar()
    if busy:
        bar.showMessage(GENERATING)
    elif bar.currentMessage() == GENERATING:
        bar.showMessage("Ready", 3000)
