"""Text that outlived what it described: the corpus stage while the presets are timed, the
last run's validation in a new run, a Runs table that waited for the run's end, the copy
check of an output no longer on show, a stopped generation listed as whole, and a note
that names a file the installed program does not have."""

from __future__ import annotations

from app.panels.runs_panel import COLUMNS
from tests.app.conftest import load_corpus
from tests.training.checkpoints.test_run_history import resave
from training.checkpoints.run_meta import Progress
from training.common.events import CheckpointEvent, IngestEvent, NoteEvent, ValidationEvent

TIMING = "timing 6 model shapes on this machine for the presets (once, a few seconds)"
FITTED = (
    "Quick on this machine: 2×256 LSTM, batch 32, sequence 128, AdamW lr 0.003 (about 1.2 M "
    "training tokens in the budget, 3 passes over this text; benchmarks/SWEEP.md says why)"
)


def _start_without_training(window, monkeypatch) -> None:
    """Start (F5) as a person would; the engine's run itself is left out."""
    monkeypatch.setattr(window.training, "start", lambda spec: None)
    window.dashboard.start()


def test_the_bar_says_the_presets_are_timed_once_the_corpus_is_read(qtbot, window, tiny, monkeypatch):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    _start_without_training(window, monkeypatch)
    dash = window.dashboard
    window.training.event.emit(IngestEvent("tokenising", 100, 100, 1.0, 0.0))
    assert dash.progress.format() == "Corpus read · preparing the run…"  # not "tokenising 100%"
    window.training.event.emit(NoteEvent(model="run", message=TIMING))
    assert "tokenising" not in dash.progress.format()
    assert dash.progress.format().startswith("Timing")
    assert "timing 6 model shapes" not in dash.status_label.text()  # the bar's news, not a lasting line


def test_the_preset_note_names_no_file_of_the_source_tree(qtbot, window, tiny, monkeypatch):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    _start_without_training(window, monkeypatch)
    window.training.event.emit(NoteEvent(model="run", message=FITTED))
    status = window.dashboard.status_label.text()
    assert "3 passes over this text)" in status
    assert "SWEEP" not in status and ".md" not in status


def test_a_new_run_does_not_show_the_last_runs_validation(qtbot, window, tiny, monkeypatch):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    dash = window.dashboard
    window.training.event.emit(
        ValidationEvent(model="lstm", step=200, loss_nats=2.456, perplexity=11.7, bits_per_char=3.54)
    )
    assert "2.456" in dash.val_label.text()
    _start_without_training(window, monkeypatch)
    assert "2.456" not in dash.val_label.text()
    assert dash.val_label.text() == "Validation: –"


def test_the_runs_table_is_read_again_at_each_checkpoint(qtbot, window, tiny):
    runs = window.runs
    runs.refresh()
    before = runs.table.rowCount()
    folder = window.data_dir / "runs" / "running-now"
    resave(tiny.lstm, folder, progress=Progress(step=50, done=False))  # the run's first save
    window.training.event.emit(
        CheckpointEvent(model="lstm", step=50, path=str(folder / "checkpoint.safetensors"))
    )
    assert runs.table.rowCount() == before + 1
    runs.select_folders([folder])
    assert runs.selected()[0].main.steps == 50

    resave(tiny.lstm, folder, progress=Progress(step=120, done=False))  # a later save
    window.training.event.emit(
        CheckpointEvent(model="lstm", step=120, path=str(folder / "checkpoint.safetensors"))
    )
    assert runs.table.rowCount() == before + 1
    assert [r.main.steps for r in runs.selected()] == [120]  # still selected, its row read again
    steps_column = COLUMNS.index("Steps")
    shown = [runs.table.item(r, steps_column).text() for r in range(runs.table.rowCount())]
    assert "120" in shown and "50" not in shown


def test_five_alternatives_clear_the_copy_check_of_the_last_output(qtbot, window):
    gen = window.generation
    gen.copy_line.setText("Longest copied span: 54 characters (from corpus.txt, line 260)")
    gen.prompt.setPlainText("The ")
    gen.length.setValue(10)
    gen.generate_alternatives()
    assert gen.copy_line.text() == "" and gen.copy_line.isHidden()
    qtbot.waitUntil(lambda: gen.alternatives.count() == 5 and not gen.busy, timeout=20_000)
    assert gen.copy_line.text() == ""


def test_history_marks_a_generation_stopped_with_esc(qtbot, window):
    gen = window.generation
    gen.prompt.setPlainText("The ")
    gen.length.setValue(5)
    with qtbot.waitSignal(gen.generated, timeout=20_000):
        gen.generate()
    qtbot.waitUntil(lambda: not gen.busy, timeout=5_000)
    assert "stopped" not in gen.history.entries[-1].label()  # it ran to its length

    gen.length.setValue(20_000)
    with qtbot.waitSignal(gen.generated, timeout=20_000):
        gen.generate()
        window.actions_by_name["stop"].trigger()  # Esc
    qtbot.waitUntil(lambda: not gen.busy, timeout=5_000)
    latest = gen.history.entries[-1]
    assert len(latest.text) < 20_000
    assert "stopped" in latest.label()
    assert "stopped" in gen.history.list.item(0).text()  # the newest row, as the dialog lists it
