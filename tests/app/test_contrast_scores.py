"""The contrast panel scores both samples under both models, and its lines do not
draw over each other in a narrow column."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("pytestqt")

from app.panels.contrast_panel import ContrastPanel
from lstm_core.pair import sample_surprisal
from lstm_core.sampling import SamplingSettings
from tests.app.measure_pair import tiny_pair


def test_both_samples_under_both_models_in_a_narrow_panel(qtbot) -> None:
    panel = ContrastPanel()
    qtbot.addWidget(panel)
    lstm, rnn = tiny_pair()
    panel.source = lambda: ("I grew up in", SamplingSettings(max_tokens=12, seed=3, temperature=1.5))
    panel.set_models(lstm, rnn)
    panel.resize(330, 600)  # each column about 160 pixels wide
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.compared, timeout=30_000) as done:
        panel.compare()
    qtbot.waitUntil(lambda: not panel.running)
    texts = done.args
    shown = [float(v) for v in re.findall(r">(\d+\.\d\d)<", panel.scores.text())]
    expected = [
        sample_surprisal(judge.model, judge.tokenizer, "I grew up in", text)
        for judge in (lstm, rnn)
        for text in texts
    ]
    assert shown == pytest.approx([round(v, 2) for v in expected if v is not None], abs=0.006)
    assert len(shown) == 4 and "under LSTM" in panel.scores.text() and "RNN's sample" in panel.scores.text()
    qtbot.wait(50)  # the layout settles
    for column in panel.columns.values():
        metrics, text = column.metrics.geometry(), column.text.geometry()
        assert metrics.bottom() < text.top()  # the validation line clear of the text below it
        assert column.metrics.height() >= column.metrics.heightForWidth(column.metrics.width())
    scores = panel.scores.geometry()
    assert all(scores.top() > c.geometry().bottom() for c in panel.columns.values())
    assert panel.scores.height() >= panel.scores.heightForWidth(panel.scores.width())
    panel.shutdown()


def test_validation_figures_keep_each_unit_with_its_number() -> None:
    from types import SimpleNamespace

    from app.panels.contrast_panel import metrics_text

    loaded = SimpleNamespace(val_loss=0.9581, bits_per_char=0.3162)
    # A narrow column once wrapped inside "bits/char": one figure per line instead.
    assert metrics_text(loaded).splitlines() == ["validation: 0.958 nats", "0.316 bits/char"]  # type: ignore[arg-type]
