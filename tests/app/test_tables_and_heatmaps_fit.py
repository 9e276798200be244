"""The Gates controls and heatmaps at a usable size, and the Runs table's columns fitted to the
tab, with a run trained on edited settings listed as such."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("pytestqt")

from app.panels.runs_panel import COLUMNS
from tests.training.checkpoints.test_run_history import resave
from training.checkpoints.run_history import write_note
from training.checkpoints.run_meta import Progress

LONG_NAME = "shakespeare-complete-works-and-sonnets-second-attempt-20250412-093011"


def _tab(window, title: str):
    tabs = window.tabs
    index = [tabs.tabText(i) for i in range(tabs.count())].index(title)
    return index, tabs.widget(index).widget()


@pytest.mark.parametrize("size", [(1280, 720), (1500, 960)])
def test_the_gates_combos_show_their_items_and_every_unit_gets_a_usable_row(qtbot, window, size) -> None:
    window.resize(*size)
    window.reset_layout()
    index, panel = _tab(window, "Gates")
    with qtbot.waitSignal(panel.drawn, timeout=30_000):
        window.tabs.setCurrentIndex(index)
    qtbot.wait(150)
    for combo in (panel.how_box, panel.show_box):
        widest = max(combo.fontMetrics().horizontalAdvance(combo.itemText(i)) for i in range(combo.count()))
        assert combo.width() >= widest + 16, (combo.currentText(), combo.width(), widest)  # "most variab"
        assert combo.geometry().right() <= panel.width()
    rows = len(panel.units)
    drawn = [plot for plot in panel.plots.values() if plot.isVisible()]
    assert drawn and rows >= 16
    for plot in drawn:
        assert plot.getViewBox().height() / rows >= 4, plot.name  # were about 2 pixels a unit
    outer = window.tabs.widget(index)
    assert outer.verticalScrollBar().maximum() == 0 and outer.horizontalScrollBar().maximum() == 0
    assert panel.splitter.heatmap_scroll.verticalScrollBar().maximum() > 0  # the heatmaps scroll instead


def _runs(window, tiny) -> None:
    runs = window.runs.runs_dir
    shutil.copytree(tiny.lstm.parent, runs / LONG_NAME)
    write_note(runs / LONG_NAME, preset="quick")  # started from Quick, with the tiny Advanced settings
    resave(tiny.lstm, runs / "beta", progress=Progress(step=9, done=False))
    window.runs.refresh()


@pytest.mark.parametrize("size", [(1280, 720), (1500, 960), (1920, 1080)])
def test_the_runs_table_fits_its_columns(qtbot, window, tiny, size) -> None:
    _runs(window, tiny)
    window.resize(*size)
    window.reset_layout()
    index, panel = _tab(window, "Runs")
    window.tabs.setCurrentIndex(index)
    qtbot.wait(150)
    table = panel.table
    assert table.horizontalScrollBar().maximum() == 0
    right = table.viewport().width()
    for title in ("Steps", "Best val.", "Date", "State"):  # what ranks the runs, in view and whole
        column = COLUMNS.index(title)
        assert not table.isColumnHidden(column), title
        assert table.columnViewportPosition(column) + table.columnWidth(column) <= right, title
        text = table.item(0, column).text()
        assert table.columnWidth(column) >= table.fontMetrics().horizontalAdvance(text), title
    name = table.item([table.item(r, 0).text() for r in range(2)].index(LONG_NAME), 0)
    assert name.toolTip() == LONG_NAME  # elided in the middle where it is cut, whole here
    if size[0] >= 1500:
        assert not any(table.isColumnHidden(c) for c in range(len(COLUMNS)))  # all, at the default size


def test_a_run_trained_on_edited_settings_is_not_listed_as_its_preset(qtbot, window, tiny) -> None:
    _runs(window, tiny)
    table = window.runs.table
    column = COLUMNS.index("Preset")
    shown = {table.item(r, 0).text(): table.item(r, column) for r in range(table.rowCount())}
    edited = shown[LONG_NAME]
    assert edited.text() in ("custom", "quick, edited")  # hidden 32, 20 steps: not Quick's recipe
    assert "hidden" in edited.toolTip() and "512" in edited.toolTip()
    assert shown["beta"].text() == "–"  # no note: not started from the window


def test_a_run_on_the_presets_own_settings_keeps_its_name() -> None:
    from app.panels.run_preset import differences
    from lstm_core.config import ModelConfig
    from training.checkpoints.run_meta import RunMeta
    from training.common.config import Budget, TrainConfig
    from training.presets.presets import get_preset

    quick = get_preset("quick")
    train = quick.train_config({})
    meta = RunMeta(
        level="word", model=ModelConfig(vocab_size=99, **quick.model_fields("word")), training=train
    )
    assert differences("quick", meta) == []
    gpu = quick.train_config({}, "cuda")
    on_gpu = RunMeta(
        level="word",
        model=ModelConfig(vocab_size=99, **quick.model_fields("word", device_type="cuda")),
        training=gpu,
    )
    assert differences("quick", on_gpu) == []  # a GPU run trains the preset's GPU shapes
    # A character-level run with a budget in minutes may train what the rule fitted to the machine.
    fitted = RunMeta(level="char", model=ModelConfig(vocab_size=65, layers=2, hidden=768), training=train)
    assert differences("quick", fitted) == []
    longer = RunMeta(level="char", model=fitted.model, training=train.with_options({"minutes": 3.0}))
    assert [d.split()[0] for d in differences("quick", longer)] == ["budget"]
    steps = RunMeta(level="word", model=meta.model, training=TrainConfig(budget=Budget(steps=500)))
    assert any(d.startswith("budget") for d in differences("quick", steps))
