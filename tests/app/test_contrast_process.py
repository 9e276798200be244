"""The contrast panel starts the RNN's own process when it gets an RNN, and compares in it
once that process is ready: the same texts as the two models write alone."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from app.panels.contrast_panel import ContrastPanel
from lstm_core import pair_worker
from lstm_core.sampling import SamplingSettings, generate_tokens
from tests.app.measure_pair import tiny_pair


def test_the_rnn_compares_in_its_own_process_once_it_is_ready(qtbot) -> None:
    panel = ContrastPanel()
    qtbot.addWidget(panel)
    lstm, rnn = tiny_pair()
    settings = SamplingSettings(max_tokens=30, seed=11)
    panel.source = lambda: ("I grew up in", settings)
    panel.set_models(lstm, rnn)
    worker = pair_worker._shared
    assert worker is not None  # started by set_models, before any comparison
    assert worker.wait_ready(), worker.failure
    served = worker.served
    with qtbot.waitSignal(panel.compared, timeout=30_000) as done:
        panel.compare()
    qtbot.waitUntil(lambda: not panel.running)
    assert worker.served == served + 1
    alone = [
        "".join(t.text for t in generate_tokens(m.model, m.tokenizer, "I grew up in", settings))
        for m in (lstm, rnn)
    ]
    assert list(done.args) == alone
    panel.shutdown()
