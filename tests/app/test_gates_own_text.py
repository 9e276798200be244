"""The Gates page watches a model on its own text: until a person types, its text is a passage
of the model's held-out text (the demo's sentence for the built-in demo), and what they typed
outlives a model change. "Find its unit" weighs the best unit against an untrained model of
the same shape and says so when no unit beats it."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("pytestqt")

from app.panels.gates_panel import DEFAULT_PROMPT, GatesPanel
from app.panels.insight_sections import held_out_text
from lstm_core.measure.units_report import NO_UNIT
from tests.app.measure_pair import tiny_pair
from tests.app.own_run import train_own_pair
from training.demo.assets import demo_dir


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory):
    return train_own_pair(tmp_path_factory.mktemp("own"))


def _panel(qtbot) -> GatesPanel:
    panel = GatesPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _demo_pair():
    shipped = zip(tiny_pair(), ("lstm", "rnn"), strict=True)
    return tuple(replace(m, path=demo_dir() / n / "checkpoint.safetensors") for m, n in shipped)


def test_the_text_is_a_passage_of_the_models_own_held_out_text(qtbot, own) -> None:
    panel = _panel(qtbot)
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(*own)
    shown = panel.prompt.toPlainText()
    assert shown != DEFAULT_PROMPT and 100 <= len(shown) <= 300
    assert shown in held_out_text(own[0])[0]
    assert panel.prompt.textCursor().position() == len(shown)  # the trace read up to its end
    assert panel._trace is not None and shown.endswith("".join(panel.tokens[: panel._trace.text_tokens]))
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(*_demo_pair())
    assert panel.prompt.toPlainText() == DEFAULT_PROMPT
    panel.shutdown()


def test_typed_text_outlives_a_model_change(qtbot, own) -> None:
    panel = _panel(qtbot)
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(*_demo_pair())
    panel.prompt.selectAll()
    qtbot.keyClicks(panel.prompt, "sol vuna kato mi")
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(*own)
    assert panel.prompt.toPlainText() == "sol vuna kato mi"
    assert "".join(panel.tokens).startswith("sol vuna kato mi")
    panel.prompt.clear()  # an emptied box takes the next model's own text again
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(*own)
    again = panel.prompt.toPlainText()
    assert again and again != DEFAULT_PROMPT and again in held_out_text(own[0])[0]
    panel.shutdown()


def test_find_its_unit_says_when_no_unit_beats_an_untrained_model(qtbot) -> None:
    panel = _panel(qtbot)
    lstm, rnn = tiny_pair()  # untrained, and with the seed of rank_units' own untrained twin
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(lstm, rnn)
    tools = panel.tools
    tools.property_box.setCurrentIndex(tools.property_box.findData("word start"))
    with qtbot.waitSignal(tools.found, timeout=60_000):
        tools.find_button.click()
    found = tools.result
    assert found is not None and found.baseline is not None
    status = tools.status.text()
    assert f"r = {found.best[0].r:+.2f}" in status
    assert f"an untrained model of the same shape: best |r| {found.baseline:.2f}" in status
    assert found.verdict() == NO_UNIT and NO_UNIT in status
    assert NO_UNIT in panel.hover.text() and f"untrained {found.baseline:.2f}" in panel.hover.text()
    panel.shutdown()
