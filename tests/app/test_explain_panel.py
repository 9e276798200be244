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
    recall_curves = panel.plots["long"].getPlotItem().listDataItems()  # on the demo text: its recurrences
    assert len(recall_curves) == 2
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


def test_context_section_measures_both_models_and_cancels(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    panel.set_models(*tiny_pair())  # hidden: the claims wait, the section is ready
    section = panel.context
    assert section.button.isEnabled()
    with qtbot.waitSignal(section.finished, timeout=120_000):
        section.button.click()
    assert [c.name for c in section.curves] == ["lstm", "rnn"]
    assert "the LSTM uses" in section.sentence.text() and "demo text" in section.sentence.text()
    assert len(section.plot.getPlotItem().listDataItems()) == 4  # a curve and its full-context line each
    assert section.progress.value() == 1000
    with qtbot.waitSignal(section.finished, timeout=120_000):
        section.button.click()
        section.cancel.click()
    assert section.sentence.text() == "Cancelled." and section.button.isEnabled()
    panel.shutdown()


def test_bottleneck_section_times_three_cells(qtbot, monkeypatch) -> None:
    import app.panels.insight_sections as sections

    monkeypatch.setattr(sections, "PAGE_SEQ_LENS", (8, 16))
    monkeypatch.setattr(sections, "PAGE_TIMING", {"hidden": 8, "batch": 2, "rounds": 1})
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.bottleneck.finished, timeout=60_000):
        panel.bottleneck.button.click()
    times = panel.bottleneck.times
    assert times is not None and set(times.seconds) == {"rnn", "lstm", "mingru"}
    assert all(set(row) == {8, 16} and min(row.values()) > 0 for row in times.seconds.values())
    assert "at length 16 a minGRU step is" in panel.bottleneck.sentence.text()
    assert len(panel.bottleneck.plot.getPlotItem().listDataItems()) == 3
    panel.shutdown()


def test_each_section_says_what_it_was_measured_on(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    panel.set_models(*tiny_pair())  # trained on no corpus this computer has: measured on the demo text
    assert all(label.isHidden() for label in panel.caveat.values())  # known once measured
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        panel.show()
    for claim in ("vanishing", "exploding", "memory", "long"):
        line = panel.caveat[claim].text()
        assert "⚠" in line and "not on this computer" in line and "foreign" in line, (claim, line)
    assert "no text" not in panel.caveat["bottleneck"].text()
    assert "random ids" in panel.caveat["bottleneck"].text()
    assert "the loaded RNN" in panel.intro["exploding"].text()
    panel.shutdown()


def test_old_plots_are_cleared_and_greyed_while_measuring(qtbot) -> None:
    panel = ExplainPanel(per_bucket=2)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        panel.set_models(*tiny_pair())
        panel.show()
    assert panel.plots["long"].getPlotItem().listDataItems()
    panel.set_models(*tiny_pair())
    assert panel.is_busy()
    for plot in panel.plots.values():
        assert not plot.getPlotItem().listDataItems() and not plot.isEnabled()
    with qtbot.waitSignal(panel.computed, timeout=60_000):
        pass
    assert all(plot.isEnabled() for plot in panel.plots.values())
    assert len(panel.plots["long"].getPlotItem().listDataItems()) == 2
    panel.shutdown()


def test_nothing_is_cut_off_on_the_right_at_1280_by_720(qtbot, window) -> None:
    from app import window_layout

    window.resize(1280, 720)
    window_layout.size_docks(window, window.docks)
    tabs = window.tabs
    index = [tabs.tabText(i) for i in range(tabs.count())].index("Explain")
    outer = tabs.widget(index)
    panel = outer.widget()
    assert isinstance(panel, ExplainPanel)
    # Layout only: no measurement runs beside it. With one running, clean-clone CI runs have
    # twice hung here with the GUI thread busy in pyqtgraph's resize and paint handling.
    panel.set_models(None, None)
    tabs.setCurrentIndex(index)
    qtbot.waitUntil(lambda: panel.narrow is not None and panel.width() > 0)
    qtbot.wait(100)  # layouts settle
    inner = panel.findChild(type(outer))
    assert outer.horizontalScrollBar().maximum() == 0, outer.widget().minimumSizeHint()
    assert inner.horizontalScrollBar().maximum() == 0, panel.page.minimumSizeHint()
    assert panel.narrow  # the tab is narrower than text and plot side by side
    right = panel.page.width()
    assert all(plot.geometry().right() <= right for plot in panel.plots.values())
    window.resize(2560, 1000)  # the window, as a person would: the tab's scroll area sizes the panel
    qtbot.waitUntil(lambda: panel.narrow is False)
