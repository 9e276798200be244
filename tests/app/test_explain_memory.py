"""What the Explain page's measurements create is freed once their result is on screen: the
page keeps the floats it draws, not the models, copies and tensors that made them.

Python's automatic cycle collector is switched off for these tests: it runs when it happens
to, so a test relying on it would pass or fail by chance. What only a collection frees must
be freed by the page itself when a measurement ends."""

from __future__ import annotations

import copy
import gc
import weakref
from collections.abc import Iterator

import pytest

pytest.importorskip("pytestqt")

from app.panels.explain_panel import ExplainPanel
from lstm_core.model import LanguageModel
from tests.app.measure_pair import tiny_pair


@pytest.fixture
def no_automatic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture
def new_models(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref]:
    """A weak reference to every LanguageModel built or deep-copied from now on."""
    made: list[weakref.ref] = []
    build, deepcopy = LanguageModel.__init__, copy.deepcopy

    def init(self, *args, **kwargs) -> None:
        build(self, *args, **kwargs)
        made.append(weakref.ref(self))

    def copied(value, *args, **kwargs):
        out = deepcopy(value, *args, **kwargs)
        if isinstance(out, LanguageModel):
            made.append(weakref.ref(out))
        return out

    monkeypatch.setattr(LanguageModel, "__init__", init)
    monkeypatch.setattr(copy, "deepcopy", copied)
    return made


def _alive(refs: list[weakref.ref]) -> int:
    return sum(ref() is not None for ref in refs)


def test_what_a_measurement_leaves_to_the_collector_is_freed_after_it(qtbot, monkeypatch, no_automatic_gc):
    """The first cell timing of a process left its three models (and AdamW's state) held by a
    reference cycle through its own frame until the collector's next full pass; later ones
    did not, so the real measurement below frees them on old code too once another test has
    trained. Here a measurement that leaves such a cycle behind, every time."""
    import app.panels.insight_sections as sections
    from lstm_core.measure.step_time import StepTimes
    from tests.app.measure_pair import tiny_pair

    left: list[weakref.ref] = []

    def timing(**_options) -> StepTimes:
        model = tiny_pair()[0].model
        cycle: dict = {"model": model}
        cycle["self"] = cycle  # only the collector frees this
        left.append(weakref.ref(model))
        return StepTimes("1×8", {cell: {8: 0.001, 16: 0.002} for cell in ("rnn", "lstm", "mingru")})

    monkeypatch.setattr(sections, "measure_step_times", timing)
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.bottleneck.finished, timeout=60_000):
        panel.bottleneck.button.click()
    qtbot.waitUntil(lambda: _alive(left) == 0, timeout=5_000)
    panel.shutdown()


def test_the_cell_timings_free_their_models_and_optimizers(qtbot, monkeypatch, no_automatic_gc, new_models):
    import app.panels.insight_sections as sections

    monkeypatch.setattr(sections, "PAGE_SEQ_LENS", (8, 16))
    monkeypatch.setattr(sections, "PAGE_TIMING", {"hidden": 8, "batch": 2, "rounds": 1})
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.bottleneck.finished, timeout=60_000):
        panel.bottleneck.button.click()
    assert len(new_models) == 3  # a fresh RNN, LSTM and minGRU, each trained a few steps
    # Each model and its AdamW made a cycle that outlived the measurement until a collection.
    qtbot.waitUntil(lambda: _alive(new_models) == 0, timeout=5_000)
    assert panel.bottleneck.times is not None  # what is drawn stays
    panel.shutdown()


def test_the_explain_figures_keep_no_copy_of_the_models(qtbot, no_automatic_gc, new_models):
    lstm, rnn = tiny_pair()
    loaded = len(new_models)  # the pair itself, which the window holds
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    panel.set_models(lstm, rnn)
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        panel.show()
    copies = new_models[loaded:]
    assert copies  # float64 copies for the gradient flow, the RNN with its weights scaled
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=10_000)
    qtbot.waitUntil(lambda: _alive(copies) == 0, timeout=5_000)
    with qtbot.waitSignal(panel.context.finished, timeout=120_000):
        panel.context.button.click()
    qtbot.waitUntil(lambda: not panel.context.background.running, timeout=10_000)
    assert _alive(new_models[loaded:]) == 0
    assert [c.name for c in panel.context.curves] == ["lstm", "rnn"]  # the floats it draws
    panel.shutdown()
