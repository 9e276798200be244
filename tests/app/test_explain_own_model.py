"""The Explain page speaks of the loaded model measured on its own text: a model that is not
the built-in demo is measured on the held-out end of its corpus, its long-range recall read
from the recurrences of that text; the demo keeps its demo text and planted-fact probe."""

from __future__ import annotations

from dataclasses import replace

import pyqtgraph as pg
import pytest

pytest.importorskip("pytestqt")

from app.model_store import load
from app.panels.explain_panel import ExplainPanel
from tests.app.measure_pair import tiny_pair
from tests.app.own_run import train_own_pair
from training.demo.assets import demo_dir

OWN = "the held-out end of the model's own corpus"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory):
    return train_own_pair(tmp_path_factory.mktemp("own"))


def _demo_pair():
    """Tiny models where the built-in demo's checkpoints live: the page takes them for the demo."""
    shipped = zip(tiny_pair(), ("lstm", "rnn"), strict=True)
    return tuple(replace(m, path=demo_dir() / n / "checkpoint.safetensors") for m, n in shipped)


def _measure(qtbot, lstm, rnn) -> ExplainPanel:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    panel.set_models(lstm, rnn)
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        panel.show()
    return panel


def test_an_own_model_is_measured_on_its_own_held_out_text(qtbot, own) -> None:
    panel = _measure(qtbot, *own)
    for claim in ("vanishing", "exploding", "memory", "long"):
        line = panel.caveat[claim].text()
        assert line.startswith("<i>Measured on") and OWN in line, (claim, line)
        assert not panel.caveat[claim].isHidden()
    assert "recurrences in" in panel.caveat["long"].text()
    assert "random ids" in panel.caveat["bottleneck"].text()
    assert "the loaded RNN" in panel.intro["exploding"].text()
    assert "shipped" not in panel.intro["exploding"].text()
    assert "recurs k tokens after its last occurrence" in panel.intro["long"].text()
    figures = panel.figures
    assert figures is not None and figures.data.recall is not None and not figures.data.probe
    assert figures.data.recall.verdict in panel.live["long"].text()
    assert "Cases per distance k" in panel.live["long"].text()
    item = panel.plots["long"].getPlotItem()
    assert [c.name() for c in item.listDataItems()] == ["LSTM", "RNN"]
    assert sum(isinstance(i, pg.ErrorBarItem) for i in item.items) == 2
    assert item.titleLabel.text.startswith("Gain on a word")
    panel.set_models(*_demo_pair())  # back to the probe's form at once, before it is measured
    assert item.titleLabel.text.startswith("Recall of the language") and not item.listDataItems()
    assert item.getAxis("bottom")._tickLevels is None
    panel.shutdown()


def test_a_held_out_text_too_short_for_recall_says_so(qtbot, tiny) -> None:
    panel = _measure(qtbot, load(tiny.lstm), load(tiny.rnn))  # its corpus's last tenth: 1,081 tokens
    line = panel.caveat["long"].text()
    assert "Not measured" in line and "1,081 tokens" in line and "1,084" in line
    assert OWN in panel.caveat["vanishing"].text()
    assert panel.live["vanishing"].text().startswith("Measured")
    assert not panel.plots["long"].getPlotItem().listDataItems()
    assert "too short" in panel.notes["long"].text
    panel.shutdown()


def test_the_built_in_demo_keeps_its_text_and_probe(qtbot) -> None:
    panel = _measure(qtbot, *_demo_pair())
    assert "the shipped RNN" in panel.intro["exploding"].text()
    assert "planted facts" in panel.caveat["long"].text()
    assert "demo text" in panel.caveat["vanishing"].text() and OWN not in panel.caveat["vanishing"].text()
    assert panel.live["long"].text().startswith("Measured at")
    assert len(panel.plots["long"].getPlotItem().listDataItems()) == 2
    panel.shutdown()
