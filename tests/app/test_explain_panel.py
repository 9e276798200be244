from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from app.panels.explain_panel import CLAIMS, ExplainPanel
from tests.app.measure_pair import tiny_pair


def test_every_claim_gets_a_live_measurement(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    panel.set_models(*tiny_pair())
    assert not panel.is_busy()  # hidden: nothing is measured yet
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        panel.show()
    for claim in CLAIMS:
        assert panel.live[claim].text().startswith("Measured"), claim
    probe_curves = panel.plots["long"].getPlotItem().listDataItems()
    assert len(probe_curves) == 2
    assert len(panel.plots["vanishing"].getPlotItem().listDataItems()) == 2
    panel.shutdown()
    assert not panel.is_busy()


def test_a_newer_pair_supersedes_a_running_measurement(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_models(*tiny_pair())
    first = panel._job
    panel.set_models(*tiny_pair())  # returns at once; waits for the first run, whose result is dropped
    assert panel.is_busy() and panel._job is first
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        pass
    assert panel._job is not first
    panel.shutdown()
    assert not panel.is_busy()
