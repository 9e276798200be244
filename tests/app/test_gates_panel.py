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


def test_columns_are_labelled_with_their_tokens() -> None:
    from app.panels.token_axis import token_label, token_ticks

    assert token_label(" ") == "␣" and token_label("\n") == "↵" and token_label("abcdefgh") == "abcde…"
    assert token_ticks(["a", "b", " "]) == [(0.5, "a"), (1.5, "b"), (2.5, "␣")]
    long = token_ticks([str(i) for i in range(130)], limit=60)
    assert len(long) == 44 and long[1] == (3.5, "3")  # every third column


def test_find_a_unit_tint_and_steer(qtbot) -> None:
    panel = GatesPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 900)
    panel.show()
    qtbot.waitExposed(panel)
    lstm, rnn = tiny_pair()
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(lstm, rnn)
    axis = panel.plots["c"].getAxis("bottom")  # the lowest heatmap carries the labels
    assert [label for _, label in axis.labels][:3] == [t.replace(" ", "␣")[:6] for t in panel.tokens[:3]]
    assert panel.plots["forget"].getAxis("bottom").labels == []
    grab = panel.plots["c"].grab()  # draws the rotated labels; a failure there raises
    assert not grab.isNull()
    tools = panel.tools
    tools.property_box.setCurrentIndex(tools.property_box.findData("word start"))
    with qtbot.waitSignal(tools.found, timeout=60_000) as found:
        tools.find_button.click()
    name, best = found.args[0]
    assert name == "word start" and best.state in ("h", "c") and -1 <= best.r <= 1
    assert "best tracks word start" in panel.hover.text()
    assert (tools.layer.value(), tools.unit.value()) == (best.layer, best.unit)
    with qtbot.waitSignal(tools.steered, timeout=60_000) as steered:
        tools.steer_button.click()
    free, held = steered.args
    assert free and held and "clamped:" in tools.output.toPlainText()
    tools.regex.setText("(")
    with qtbot.waitSignal(tools.failed, timeout=20_000):
        tools.find_button.click()
    assert "not a regular expression" in tools.status.text()
    panel.shutdown()
