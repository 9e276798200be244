"""The window shows, reads and takes typing before the engine (torch) has loaded, with its
full menu bar: what needs the engine is disabled and says so until it has loaded."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QMenu

from app.engine_loader import StageReport, load_engine
from app.loading_page import LOADING, LOADING_LABEL
from app.main_window import MainWindow
from tests.app.conftest import TinyAssets

ROOT = Path(__file__).resolve().parents[2]


def test_the_first_window_imports_neither_torch_nor_the_plots() -> None:
    code = (
        "import sys, app.__main__, app.launch, app.main_window; "
        "print('torch' in sys.modules, 'pyqtgraph' in sys.modules, 'lstm_core.model' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["False", "False", "False"]


def test_a_mistyped_command_or_a_missing_path_is_named_before_any_window(tmp_path, capsys) -> None:
    from app.__main__ import main

    assert main(["info", "q"]) == 2
    err = capsys.readouterr().err
    assert "'info' is neither a command nor a file" in err and "generate" in err
    corpus = tmp_path / "c.txt"
    corpus.write_text("some text", encoding="utf-8")
    assert main([str(corpus), str(tmp_path / "gone.txt")]) == 2
    err = capsys.readouterr().err
    assert "no such file or folder" in err and "gone.txt" in err and "c.txt" not in err


def test_window_takes_typing_and_a_corpus_while_the_engine_loads(qtbot, tiny: TinyAssets, tmp_path) -> None:
    gate = threading.Event()
    started = threading.Event()

    def slow_loader(report: StageReport) -> None:
        report("importing PyTorch")
        started.set()
        gate.wait(30)
        load_engine(report)

    window = MainWindow(data_dir=tmp_path / "data", load_defaults=False, engine_loader=slow_loader)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(started.is_set, timeout=5_000)
    # The wait says what it waits for, in the status bar and where each panel will be.
    waiting = "Loading the engine: importing PyTorch… ("
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(waiting), timeout=5_000)
    assert not window.ready
    stand_ins = window.findChildren(QLabel, LOADING_LABEL)
    assert len(stand_ins) >= 3 and all(label.text().startswith(waiting) for label in stand_ins)
    assert not window.loading_page.generate_button.isEnabled()  # needs the engine

    window.early_prompt.setFocus()
    qtbot.keyClicks(window.early_prompt, "I grew up in")
    assert window.early_prompt.toPlainText() == "I grew up in"
    with qtbot.waitSignal(window.corpus.loaded, timeout=20_000):
        window.open_corpus([str(tiny.corpus)])
    assert window.corpus.tokens_label.text() != "–" and not window.ready

    with qtbot.waitSignal(window.engine_ready, timeout=60_000):
        gate.set()
    assert window.ready
    assert window.generation.prompt.toPlainText() == "I grew up in"  # handed over, caret at its end
    assert window.generation.prompt.textCursor().position() == len("I grew up in")
    assert window.actions_by_name["train"].isEnabled()
    assert window.dashboard.corpus_paths == (str(tiny.corpus),)  # the corpus read while loading
    assert not window.statusBar().currentMessage().startswith("Loading the engine")
    assert window.open_model(tiny.lstm)
    assert window.actions_by_name["generate"].isEnabled()
    window.close()


def _hover(menu: QMenu, name: str) -> None:
    """The menu open, and the pointer moving over its item called ``name``."""
    menu.popup(QPoint(0, 0))
    action = next(a for a in menu.actions() if a.text() == name)
    at = QPointF(menu.actionGeometry(action).center())
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        at,
        at,
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(menu, move)


def test_the_menu_bar_is_whole_from_the_first_frame_and_waits_for_the_engine(
    qtbot, tmp_path, monkeypatch
) -> None:
    gate = threading.Event()

    def slow_loader(report: StageReport) -> None:
        gate.wait(30)
        load_engine(report)

    window = MainWindow(data_dir=tmp_path / "data", load_defaults=False, engine_loader=slow_loader)
    qtbot.addWidget(window)
    window.show()
    try:
        _check_menus_while_loading(window, monkeypatch)
    finally:
        gate.set()  # a failed check must not leave the loader's thread waiting
    qtbot.waitUntil(lambda: window.ready, timeout=60_000)
    actions = window.actions_by_name
    for name in ("open_model", "generate", "compare", "train", "suggest"):
        assert actions[name].isEnabled() and actions[name].statusTip() == "", name
    assert not actions["save_model"].isEnabled()  # enabled by the state it needs: no model yet
    assert not actions["stop"].isEnabled()  # nothing generates
    assert window.recent_models_menu.menuAction().statusTip() == ""  # no longer waiting
    window.generation.suggest.setChecked(False)
    assert not actions["suggest"].isChecked()  # the menu's toggle follows the tab's box, and back
    actions["suggest"].setChecked(True)
    assert window.generation.suggest.isChecked()
    window.close()


def _check_menus_while_loading(window: MainWindow, monkeypatch) -> None:
    assert not window.ready
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert list(menus) == ["&File", "&Edit", "&Generate", "&Train", "&View", "&Help"]
    actions = window.actions_by_name
    needs_engine = ("open_model", "save_model", "generate", "compare", "train", "resume", "suggest")
    for name in needs_engine:
        assert not actions[name].isEnabled() and actions[name].statusTip() == LOADING, name
    for name in ("open_files", "open_folder", "quit", "shortcuts", "about", "user_guide", "find"):
        assert actions[name].isEnabled(), name

    open_files = actions["open_files"]
    assert open_files in window.actions() and open_files.shortcut() == QKeySequence("Ctrl+O")
    chosen: list[str] = []
    monkeypatch.setattr(window.corpus, "choose_files", lambda: chosen.append("files"))
    open_files.trigger()
    assert chosen == ["files"]  # File > Open Corpus Files reaches the corpus panel while the engine loads

    window.statusBar().clearMessage()
    _hover(menus["&File"], "Open Model…")
    assert window.statusBar().currentMessage() == LOADING  # pointing at it says why it is grey
    menus["&File"].close()
    recent_models = window.recent_models_menu.menuAction()
    assert not recent_models.isEnabled() and recent_models.statusTip() == LOADING
    window.statusBar().clearMessage()
    _hover(menus["&File"], "Recent Models")
    assert window.statusBar().currentMessage() == LOADING  # the submenu says so too
    menus["&File"].close()


def test_a_panel_that_cannot_be_built_is_reported_not_left_out(
    qtbot, tmp_path, dialogs, monkeypatch, caplog
) -> None:
    """Built on the GUI thread after the background load, a tab that raises fails the load the
    way a failed import does: a dialog, engine_failed, and the traceback in the log file."""
    from app.panels import gates_panel

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the gates panel is half-written")

    load_engine()  # imported here first: the patch below is what the window's build then meets
    monkeypatch.setattr(gates_panel.GatesPanel, "__init__", broken)
    window = MainWindow(data_dir=tmp_path / "data", load_defaults=False, engine_loader=load_engine)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.engine_failed, timeout=60_000) as failed:
        window.show()
    assert "half-written" in failed.args[0] and not window.ready
    assert dialogs and dialogs[0][0] == "Engine error"
    assert not window.actions_by_name["train"].isEnabled()
    assert "half-written" in window.log_file.read_text(encoding="utf-8")
    window.close()
    # Its traceback holds the parts built before the failure: let go of it, so that they are
    # collected on this thread when the test ends (see conftest), not on some worker later.
    caplog.clear()


def test_ready_is_said_only_once_the_default_models_are_in_place(qtbot, tmp_path) -> None:
    window = MainWindow(data_dir=tmp_path / "data", load_defaults=True, engine_loader=load_engine)
    qtbot.addWidget(window)
    said: list[tuple[str, bool]] = []
    window.statusBar().messageChanged.connect(
        lambda text: said.append(
            (text, getattr(window, "models", None) is not None and window.models.main is not None)
        )
    )
    with qtbot.waitSignal(window.engine_ready, timeout=120_000):
        window.show()
    stages = [text for text, _ in said if text.startswith("Loading the engine: ")]
    assert any("importing PyTorch" in text for text in stages) and any("panels" in text for text in stages)
    assert ("Ready", True) in said and ("Ready", False) not in said  # never beside "No model"
    window.close()


def test_a_window_closed_as_the_engine_becomes_ready_leaves_no_thread_behind(qtbot, tmp_path) -> None:
    """The optimizer's warm-up starts after engine_ready: a slot that closed the window
    (a quick quit) must not leave it starting a thread that outlives the window."""
    from app.background import Background

    window = MainWindow(data_dir=tmp_path / "data", load_defaults=False, engine_loader=load_engine)
    qtbot.addWidget(window)
    window.engine_ready.connect(window.close)
    with qtbot.waitSignal(window.engine_ready, timeout=120_000):
        window.show()
    assert all(not background.running for background in window.findChildren(Background))
