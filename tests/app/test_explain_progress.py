"""The Explain page's main measurement shows how far it has got, and Cancel ends it."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from app.panels.explain_panel import CANCELLING, CLAIMS, MEASURE_AGAIN, ExplainPanel
from tests.app.measure_pair import tiny_pair


def test_the_progress_bar_names_each_stage_and_rises_to_the_end(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    panel.set_models(*tiny_pair())
    seen: list[tuple[int, str]] = []  # (value, the bar's words) at each step of the bar
    panel.progress.valueChanged.connect(lambda value: seen.append((value, panel.progress.format())))
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        panel.show()
        assert panel.progress.isVisible() and panel.cancel.isEnabled() and panel.status.isHidden()
    values = [value for value, _ in seen]
    assert values == sorted(values) and values[-1] == 1000 and len(set(values)) >= 5
    words = {text for _, text in seen}
    assert "Measuring the LSTM's gradient flow… %p%" in words
    assert "Measuring recall of the words that recur… %p%" in words  # not the demo: its recurrences
    assert panel.progress.isHidden() and panel.cancel.isHidden() and panel.again.isHidden()
    panel.shutdown()


def test_cancel_ends_the_measurement_and_it_can_be_measured_again(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.cancelled, timeout=60_000):
        panel.set_models(*tiny_pair())
        assert panel.is_busy() and panel.cancel.isVisible()
        panel.cancel.click()
        assert panel.progress.format() == CANCELLING and not panel.cancel.isEnabled()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=10_000)
    assert panel.status.text() == "Cancelled."
    assert panel.figures is None
    assert panel.again.isVisible() and panel.again.isEnabled() and panel.progress.isHidden()
    assert all(not panel.live[claim].text() for claim in CLAIMS)  # no "Measuring…" left behind
    assert all(note.text == f"No data yet: press {MEASURE_AGAIN}" for note in panel.notes.values())
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        panel.again.click()
    assert panel.again.isHidden()
    for claim in ("vanishing", "exploding", "memory", "bottleneck"):
        assert panel.live[claim].text().startswith("Measured"), claim
    panel.shutdown()


def test_a_newer_pair_stops_the_running_measurement_early(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_models(*tiny_pair())
    first = panel._job
    stopped: list[str] = []
    panel.cancelled.connect(lambda: stopped.append("cancelled"))
    panel.set_models(*tiny_pair())
    assert panel._stop.is_set()  # the first ends at its next stage; its result would be dropped
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        pass
    assert panel._job is not first and not stopped  # the page never said "Cancelled."
    assert panel.status.text().startswith("Live measurements")
    panel.shutdown()


def test_unloading_the_models_mid_measurement_leaves_no_bar_behind(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_models(*tiny_pair())
    assert panel.progress.isVisible()
    panel.set_models(None, None)
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=60_000)
    qtbot.wait(50)  # the idle signal's handlers
    assert panel.progress.isHidden() and panel.cancel.isHidden() and panel.again.isHidden()
    assert panel.status.isVisible() and panel.status.text().startswith("Load a model")
    assert panel.figures is None
    panel.shutdown()
