from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from app.panels.gates_panel import GatesPanel, pick_units
from tests.app.measure_pair import tiny_pair
from training.tiny import TINY_MODEL


def test_unit_choice() -> None:
    values = np.array([[0.0, 5.0, -1.0], [0.0, 5.0, 1.0]])
    assert pick_units(values, 1, "active").tolist() == [1]
    assert pick_units(values, 1, "variable").tolist() == [2]


def test_heatmaps_hover_and_highlight(qtbot) -> None:
    panel = GatesPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()  # the page works only while shown
    qtbot.waitExposed(panel)
    lstm, rnn = tiny_pair()
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(lstm, rnn)
    assert set(panel.images) == {"forget", "input", "output", "c"}
    positions = len(panel.tokens)
    assert panel.values["forget"].shape == (positions, TINY_MODEL["hidden"])
    assert ((panel.values["forget"] >= 0) & (panel.values["forget"] <= 1)).all()
    assert "".join(panel.tokens).startswith(panel.prompt.text())
    # Hovering the middle of the forget-gate heatmap names a token and a value.
    image = panel.images["forget"]
    panel._on_hover(image.mapToScene(image.boundingRect().center()), "forget")
    assert "token" in panel.hover.text() and "value" in panel.hover.text()
    panel.select_unit("c", int(panel.units[0]))
    assert panel.text.toPlainText() == "".join(panel.tokens)
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.model_box.setCurrentText("RNN")
    assert set(panel.images) == {"h"}
