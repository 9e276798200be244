from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from app.panels.gates_panel import GatesPanel, pick_units
from tests.app.measure_pair import tiny_pair
from training.demo.tiny import TINY_MODEL


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
    assert "".join(panel.tokens).startswith(panel.prompt.toPlainText())
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


def _rss_mb() -> float:
    """The process's resident memory now, from /proc (Linux); 0 elsewhere."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def test_a_200k_character_paste_is_traced_through_a_bounded_window(qtbot) -> None:
    from PySide6.QtGui import QTextCursor

    from lstm_core.measure.gate_trace import MAX_TRACE_TOKENS

    panel = GatesPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 800)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(*tiny_pair())
    text = " ".join(["I grew up in India. The bus was late."] * 5300)[:200_000]
    before = _rss_mb()
    panel.prompt.setPlainText(text)  # as a paste leaves it: the caret after the pasted text
    panel.prompt.moveCursor(QTextCursor.MoveOperation.End)
    with qtbot.waitSignal(panel.drawn, timeout=60_000):
        panel.run_button.click()
        assert panel.cancel_button.isEnabled() and panel.progress.isVisible()
    trace = panel._trace
    assert trace is not None and len(panel.tokens) <= MAX_TRACE_TOKENS
    assert trace.end == 200_000 and 200_000 - trace.start < MAX_TRACE_TOKENS * 16
    assert "of 200,000" in panel.window_note.text() and str(MAX_TRACE_TOKENS) in panel.window_note.text()
    assert panel.images["forget"].image.shape[0] == len(panel.tokens)
    assert _rss_mb() - before < 150  # the 200,000 characters themselves are well under 5 MB
    assert not panel.cancel_button.isEnabled() and not panel.progress.isVisible()
    panel.shutdown()


def test_cancel_stops_a_trace_and_keeps_the_heatmaps(qtbot) -> None:
    panel = GatesPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(*tiny_pair())
    shown = panel._trace
    panel.show_text("I grew up in India. " * 200)
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.background.running, timeout=20_000)
    assert "Cancelled" in panel.window_note.text() and panel._trace is shown
    assert not panel.cancel_button.isEnabled()


def test_unit_numbers_are_spaced_and_every_heatmap_has_a_colour_scale(qtbot) -> None:
    from app.panels.heatmap import LABEL_GAP_PX, tick_rows

    assert tick_rows(32, 1000, 14) == list(range(32))  # 31 px a row: every unit numbered
    assert tick_rows(32, 320, 14) == list(range(0, 32, 2))  # 10 px a row: every second
    assert tick_rows(512, 200, 14)[:2] == [0, 50]
    panel = GatesPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(*tiny_pair())
    panel.count_box.setValue(64)  # more rows than fit a label each
    for name in ("forget", "c"):
        plot = panel.plots[name]
        assert plot.bar.scene() is plot.scene() and plot.bar.isVisible()  # beside its heatmap
        axis = plot.unit_axis
        height = axis.geometry().height()
        ticks = axis.tickValues(0, len(panel.units), height)[0][1]
        assert 1 < len(ticks) < len(panel.units)
        pixels_apart = (ticks[1] - ticks[0]) * height / len(panel.units)
        assert pixels_apart >= axis._label_height() + LABEL_GAP_PX - 1e-6
        assert axis.tickStrings(ticks[:1], 1, 1) == [str(panel.units[0])]  # the unit's number, not the row
    assert panel.plots["forget"].bar.levels() == (0.0, 1.0)
    low, high = panel.plots["c"].bar.levels()
    assert low == -high and high > 0
    panel.shutdown()
