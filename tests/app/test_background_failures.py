"""A failure in background work: a short message for the person, the full traceback in the
log file, the thread ended, and the window still usable. Help ▸ Open Log Folder shows the log."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThread
from PySide6.QtGui import QDesktopServices

from app import controller
from app.panels import corpus_panel, gates_panel
from tests.app.conftest import load_corpus
from tests.app.measure_pair import tiny_pair


def _log_text(window) -> str:
    return window.log_file.read_text(encoding="utf-8") if window.log_file.exists() else ""


def test_a_failing_corpus_read_is_shown_logged_and_the_app_stays_usable(
    qtbot, window, dialogs, tiny, monkeypatch
):
    def broken_read(*_args, **_kwargs):
        raise RuntimeError("the disk said no")

    monkeypatch.setattr(corpus_panel, "read_corpus", broken_read)
    with qtbot.waitSignal(window.corpus.failed, timeout=10_000) as failed:
        window.open_corpus([str(tiny.corpus)])
    assert failed.args[0] == "RuntimeError: the disk said no"  # short: no traceback for the person
    assert dialogs == [("Corpus error", "RuntimeError: the disk said no")]
    log = _log_text(window)
    assert "Traceback (most recent call last)" in log and "in broken_read" in log
    assert "RuntimeError: the disk said no" in log
    qtbot.waitUntil(lambda: not window.tasks.running, timeout=5_000)
    monkeypatch.undo()
    load_corpus(qtbot, window, [str(tiny.corpus)])  # the same job works afterwards
    assert window.corpus.current is not None


def test_a_failing_training_run_ends_its_thread_and_logs_the_traceback(
    qtbot, window, dialogs, tiny, monkeypatch
):
    def broken_run(*_args, **_kwargs):
        raise KeyError("no such tensor")

    monkeypatch.setattr(controller, "run_training", broken_run)
    load_corpus(qtbot, window, [str(tiny.corpus)])
    window.dashboard.options.set_tiny(steps=5)
    with qtbot.waitSignal(window.training.failed, timeout=10_000) as failed:
        window.dashboard.start()
    job = window.training.job
    assert failed.args[0] == "KeyError: 'no such tensor'"
    qtbot.waitUntil(lambda: window.training.state == "idle", timeout=5_000)
    assert job is None or not job.running
    assert not window.training.running and window.dashboard.start_button.isEnabled()
    assert dialogs and dialogs[-1][0] == "Training failed"
    log = _log_text(window)
    assert "background job 'training' failed" in log and "in broken_run" in log


def test_the_gate_trace_runs_off_the_gui_thread(qtbot, monkeypatch):
    gui = QThread.currentThread()
    on_gui: list[bool] = []
    real = gates_panel.trace_gates

    def watched(*args, **kwargs):
        on_gui.append(QThread.currentThread() is gui)
        return real(*args, **kwargs)

    monkeypatch.setattr(gates_panel, "trace_gates", watched)
    panel = gates_panel.GatesPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.drawn, timeout=20_000):
        panel.set_models(*tiny_pair())
    assert on_gui and not any(on_gui)
    assert set(panel.images) == {"forget", "input", "output", "c"}
    panel.shutdown()
    assert not panel.background.running


def test_help_opens_the_log_folder(window, monkeypatch):
    opened: list[Path] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(Path(url.toLocalFile())) or True)
    )
    window.actions_by_name["open_log"].trigger()
    assert opened == [window.data_dir / "logs"] and window.log_file.parent == opened[0]


def test_out_of_memory_in_a_step_says_what_to_try_and_the_window_goes_on(
    qtbot, window, dialogs, tiny, monkeypatch
):
    import torch

    from training.loop.trainer import Trainer

    def no_memory(*_args):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    load_corpus(qtbot, window, [str(tiny.corpus)])
    window.dashboard.options.set_tiny(steps=5)
    with monkeypatch.context() as oom:
        oom.setattr(Trainer, "_forward_backward", no_memory)
        with qtbot.waitSignal(window.training.failed, timeout=30_000) as failed:
            window.dashboard.start()
    assert "out of memory at step 1" in failed.args[0] and "smaller batch" in failed.args[0]
    assert "Traceback" not in failed.args[0]
    qtbot.waitUntil(lambda: window.training.state == "idle", timeout=10_000)
    run_dir = window.dashboard.last_run()
    assert run_dir is None or not (run_dir / "checkpoint.safetensors").exists()  # nothing from the step
    with qtbot.waitSignal(window.training.finished, timeout=60_000) as done:
        window.dashboard.start()  # the window trains again once memory allows
    assert done.args[0][0].steps == 5


def test_a_file_the_person_can_fix_is_logged_as_a_line_not_a_traceback(qtbot, window, dialogs, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with qtbot.waitSignal(window.corpus.failed, timeout=10_000) as failed:
        window.open_corpus([str(empty)])
    assert "empty.txt" in failed.args[0]
    log = _log_text(window)
    assert "WARNING" in log and "empty.txt" in log
    assert "Traceback (most recent call last)" not in log  # bugs keep theirs (the test above)
