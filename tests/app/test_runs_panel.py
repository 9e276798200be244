"""The Runs tab: every run listed and sortable, curves overlaid, open/resume/rename/delete;
and the dashboard's lines of text in a fixed model order with one step count per model."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.panels.runs_legend import CurveKey, shown_names
from app.panels.runs_panel import COLUMNS, RunsPanel
from app.panels.training_status import final_speed_text, paused_text, speed_text, validation_text
from tests.training.checkpoints.test_run_history import resave
from training.checkpoints.run_meta import Progress
from training.common.events import StepEvent, ValidationEvent


def _runs(tiny, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(tiny.lstm.parent, runs / "alpha")
    resave(tiny.lstm, runs / "beta", progress=Progress(step=9, done=False))
    return runs


def test_runs_are_listed_sorted_overlaid_and_opened(qtbot, tiny, tmp_path):
    panel = RunsPanel(_runs(tiny, tmp_path))
    qtbot.addWidget(panel)
    assert panel.table.rowCount() == 2
    steps_col = COLUMNS.index("Steps")
    panel.table.sortByColumn(steps_col, Qt.SortOrder.AscendingOrder)
    assert [panel.table.item(r, steps_col).text() for r in range(2)] == ["9", "20"]
    state_col = COLUMNS.index("State")
    states = {panel.table.item(r, 0).text(): panel.table.item(r, state_col).text() for r in range(2)}
    assert states == {"alpha": "finished", "beta": "resumable"}
    panel.select_folders([r.folder for r in panel.records.values()])
    assert len(panel.selected()) == 2
    assert {"alpha LSTM", "alpha RNN", "beta LSTM"} <= set(panel.curve_names)  # overlaid
    assert not panel.buttons["open"].isEnabled()  # one run at a time
    panel.select_folders([tmp_path / "runs" / "beta"])
    assert panel.buttons["resume"].isEnabled()
    with qtbot.waitSignal(panel.resume_requested) as resumed:
        panel.buttons["resume"].click()
    assert resumed.args[0].name == "beta"
    with qtbot.waitSignal(panel.open_requested) as opened:
        panel.buttons["open"].click()
    assert opened.args[0].name == "beta"


def test_rename_and_delete_from_the_panel(qtbot, tiny, tmp_path, monkeypatch):
    runs = _runs(tiny, tmp_path)
    panel = RunsPanel(runs)
    qtbot.addWidget(panel)
    panel.select_folders([runs / "alpha"])
    with qtbot.waitSignal(panel.renamed):
        assert panel.rename_selected("shakespeare") == runs / "shakespeare"
    assert sorted(r.name for r in panel.records.values()) == ["beta", "shakespeare"]
    asked: list[str] = []

    def question(_parent, title, text, *_a):
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    panel.select_folders([runs / "shakespeare"])
    assert panel.delete_selected() == 1
    assert asked[0] == "Delete runs" and not (runs / "shakespeare").exists()
    assert [r.name for r in panel.records.values()] == ["beta"]


def _step(model: str, step: int, rate: float) -> StepEvent:
    return StepEvent(model, step, 1000, 2.0, 1e-3, 0.5, False, rate, 10.0, 30.0, step / 1000)


def test_dashboard_lines_keep_the_model_order_and_each_models_step():
    latest = {"rnn": _step("rnn", 340, 20000.0), "lstm": _step("lstm", 356, 9800.0)}
    line = speed_text(latest)
    assert line.index("LSTM step 356 / 1,000") < line.index("RNN step 340 / 1,000")
    assert "9,800 tok/s" in line and "20,000 tok/s" in line
    vals = {m: ValidationEvent(m, 10, loss, 7.0, 2.5) for m, loss in (("rnn", 2.5), ("lstm", 1.9))}
    assert validation_text(vals).splitlines() == [
        "LSTM validation: 1.900 nats (2.50 bits/char)",
        "RNN validation: 2.500 nats (2.50 bits/char)",
    ]
    assert line.splitlines()[1].startswith("RNN step 340")  # one line per model, never split
    assert "Paused" in paused_text(latest) and "LSTM at step 356" in paused_text(latest)
    assert final_speed_text(latest, []) == "–"  # stopped while the corpus was read: no step to name


def test_out_of_range_options_are_changed_in_words_and_unwise_ones_warned(qtbot):
    from app.panels.training_options import TrainingOptions

    options = TrainingOptions()
    qtbot.addWidget(options)
    options.advanced.setChecked(True)
    options.seq_len.setValue(999_999)
    options.lr.setValue(1.0)
    notes = options.check_values()
    assert options.seq_len.value() == 2048
    assert any("Sequence length 999,999" in n and "set to 2,048" in n for n in notes)
    assert any("Learning rate 1 is high" in n for n in notes)
    assert options.train_options()["seq_len"] == 2048
    options.preset.setCurrentIndex((options.preset.currentIndex() + 1) % options.preset.count())
    assert not any("Sequence length" in n for n in options.check_values())  # a preset starts afresh


def test_the_overlay_legend_sits_beside_the_curves_and_names_what_tells_runs_apart(qtbot, tiny, tmp_path):
    runs = tmp_path / "runs"
    long_names = [f"shakespeare-sonnets-and-plays-20250412-09301{i}" for i in range(3)]
    for name in long_names:
        shutil.copytree(tiny.lstm.parent, runs / name)
    panel = RunsPanel(runs)
    qtbot.addWidget(panel)
    panel.resize(500, 420)  # the Runs tab's width in a 1280×720 window
    panel.show()
    panel.select_folders([r.folder for r in panel.records.values()])
    qtbot.wait(50)
    legend = panel.legend
    assert panel.plot.legend is None  # nothing drawn over the curves
    assert legend.isVisible() and legend.count() == len(panel.curve_names) == 6
    plot_area = panel.plot_view.geometry()
    assert legend.geometry().left() >= plot_area.right()  # beside the plot, not on it
    assert plot_area.width() >= 0.6 * panel.width()  # the curves keep most of the room
    shown = [legend.item(i).text() for i in range(legend.count())]
    assert sorted(shown) == sorted(f"…09301{i} {cell}" for i in range(3) for cell in ("LSTM", "RNN"))
    metrics = legend.fontMetrics()
    assert all(metrics.horizontalAdvance(text) <= legend.viewport().width() - 28 for text in shown)
    tips = [legend.item(i).toolTip() for i in range(legend.count())]
    assert tips == panel.curve_names and f"{long_names[0]} RNN" in tips  # whole names on hover
    panel.select_folders([])
    assert not legend.isVisible()  # no curves, no legend: the plot takes the width


def test_legend_names_drop_only_a_start_every_run_shares():
    def names(*runs: str) -> list[str]:
        return shown_names([CurveKey(run, "LSTM", "#000000", dashed=False) for run in runs])

    one_run = [
        CurveKey("shakespeare-20250412-0930", cell, "#000000", dashed=cell == "RNN")
        for cell in ("LSTM", "RNN")
    ]
    assert shown_names(one_run) == ["LSTM", "RNN"]  # one run: its models are what the curves tell apart
    assert shown_names([]) == []  # nothing selected
    assert names("corpus-20250412-093011", "corpus-20250413-101500") == [
        "…20250412-093011 LSTM",
        "…20250413-101500 LSTM",
    ]
    assert names("alpha", "beta") == ["alpha LSTM", "beta LSTM"]
    assert names("run-1", "run-2") == ["run-1 LSTM", "run-2 LSTM"]  # "run-" is too short to drop
