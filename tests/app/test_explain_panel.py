from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from app.panels.explain_panel import CLAIMS, ExplainPanel
from tests.app.measure_pair import tiny_pair


def test_every_claim_gets_a_live_measurement(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        panel.set_models(*tiny_pair())
    for claim in CLAIMS:
        assert panel.live[claim].text().startswith("Measured"), claim
    probe_curves = panel.plots["long"].getPlotItem().listDataItems()
    assert len(probe_curves) == 2
    assert len(panel.plots["vanishing"].getPlotItem().listDataItems()) == 2
    panel.shutdown()
    assert not panel.is_busy()
