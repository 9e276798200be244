"""Actions, menus and the toolbar: one place that maps commands to keys."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QAbstractButton, QMenu, QMessageBox, QStatusBar, QStyle, QToolBar, QWidget

from app import __version__
from app.edit_menu import EditActions
from app.error_log import log_folder, open_log_folder
from app.loading_page import LOADING
from app.menu_actions import make_action
from app.panels.completion_editor import KEYS_WITHOUT_ACTIONS

if TYPE_CHECKING:
    from app.window_parts import MenuParts

NATIVE = QKeySequence.SequenceFormat.NativeText


# Everything but opening a corpus, the help and quitting needs the engine's panels or torch.
ENGINE_ACTIONS = frozenset(
    {
        *("open_model", "open_run", "open_demo", "save_model", "model_card", "save_text", "export_onnx"),
        *("generate", "continue", "alternatives", "history", "stop", "compare", "suggest"),
        *("train", "pause", "resume", "stop_training", "train_rnn", "reset_layout"),
    }
)


@dataclass(frozen=True)
class Menus:
    """What the window keeps of its menu bar."""

    actions: dict[str, QAction]  # by name: "open_model", "train", … (ENGINE_ACTIONS among them)
    recent_corpora: QMenu
    recent_models: QMenu
    view: QMenu


def build_menus(parts: MenuParts) -> Menus:
    """Every action, menu and the toolbar, built with the window before the engine has loaded,
    so the menu bar is complete from the first frame. The slots look their panel up when
    triggered; until then the actions that need one are disabled (``ENGINE_ACTIONS``)."""
    SP = QStyle.StandardPixmap
    window = parts.window()
    a = {
        "open_files": make_action(
            window,
            "Open Corpus Files…",
            lambda: parts.corpus.choose_files(),
            QKeySequence.StandardKey.Open,
            SP.SP_DialogOpenButton,
            "Open corpus files",
        ),
        "open_folder": make_action(
            window,
            "Open Corpus Folder…",
            lambda: parts.corpus.choose_folder(),
            ["Ctrl+Shift+O"],
            SP.SP_DirOpenIcon,
            "Open a folder of text files",
        ),
        "open_model": make_action(
            window,
            "Open Model…",
            parts.choose_model,
            ["Ctrl+M"],
            SP.SP_FileDialogStart,
            "Open a checkpoint.safetensors",
        ),
        "open_demo": make_action(
            window, "Open Built-in Demo", parts.open_demo, tip="Back to the demo corpus's shipped models"
        ),
        "open_run": make_action(window, "Open Run Folder…", parts.choose_run_folder, ["Ctrl+Shift+M"]),
        "save_model": make_action(
            window,
            "Save Model As…",
            parts.save_model_as,
            QKeySequence.StandardKey.SaveAs,
            SP.SP_DialogSaveButton,
            "Save the model as…",
        ),
        "model_card": make_action(
            window,
            "Model Card…",
            parts.show_model_card,
            ["Ctrl+I"],
            SP.SP_FileDialogInfoView,
            "Show the model card",
        ),
        "save_text": make_action(
            window,
            "Save Text As…",
            lambda: _save_text_as(parts),
            QKeySequence.StandardKey.Save,  # Save As (Ctrl+Shift+S) is the model's
            tip="Save the Generate tab's text to a UTF-8 file",
        ),
        "export_onnx": make_action(
            window,
            "Export ONNX…",
            lambda: _export_onnx(parts),
            tip="Export the model as ONNX files that run without PyTorch",
        ),
        "quit": make_action(window, "Quit", parts.close, QKeySequence.StandardKey.Quit),
        "generate": make_action(
            window,
            "Generate",
            lambda: parts.generation.generate(),
            ["Ctrl+Return", "Ctrl+Enter"],
            SP.SP_MediaPlay,
            "Generate from the prompt (Ctrl+Enter)",
        ),
        "continue": make_action(
            window,
            "Continue",
            lambda: parts.generation.continue_text(),
            ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
            SP.SP_MediaSeekForward,
            "Continue the text (Ctrl+Shift+Enter)",
        ),
        "alternatives": make_action(
            window,
            "Generate 5 Alternatives",
            lambda: parts.generation.generate_alternatives(),
            ["Ctrl+Alt+Return", "Ctrl+Alt+Enter"],
            tip="Five continuations of the prompt at once; click one to keep it (Ctrl+Alt+Enter)",
        ),
        "history": make_action(
            window, "Generation History…", lambda: parts.generation.show_history(), ["Ctrl+H"]
        ),
        "stop": make_action(
            window,
            "Stop Generating",
            parts.stop_generating,
            ["Esc"],
            SP.SP_MediaStop,
            "Stop generating (Esc)",
        ),
        "compare": make_action(
            window,
            "Compare LSTM and RNN",
            lambda: parts.contrast.compare(),
            ["Ctrl+R"],
            SP.SP_BrowserReload,
            "Same prompt and seed through both models (Ctrl+R)",
        ),
        "train": make_action(
            window,
            "Start Training",
            lambda: parts.dashboard.start(),
            ["F5"],
            SP.SP_ComputerIcon,
            "Start training on the corpus (F5)",
        ),
        "pause": make_action(
            window,
            "Pause Training",
            lambda: parts.training.pause(),
            ["F6"],
            SP.SP_MediaPause,
            "Pause training (F6)",
        ),
        "resume": make_action(window, "Resume Training", lambda: parts.dashboard.resume(), ["F7"]),
        "stop_training": make_action(
            window,
            "Stop Training",
            lambda: parts.training.stop(),
            ["Shift+F5"],
            SP.SP_BrowserStop,
            "Stop training (Shift+F5)",
        ),
        "train_rnn": make_action(window, "Train the RNN for Contrast", parts.train_rnn),
        "reset_layout": make_action(window, "Reset Layout", parts.reset_layout),
        "open_log": make_action(
            window,
            "Open Log Folder",
            lambda: _open_log_folder(parts),
            tip="Show the log of background failures",
        ),
        "about": make_action(window, "About LSTM Studio", lambda: _about(window, parts.data_dir)),
        "shortcuts": make_action(
            window,
            "Keyboard Shortcuts",
            lambda: QMessageBox.information(window, "Shortcuts", shortcuts_text(a)),
            ["F1"],
        ),
        "user_guide": make_action(window, "User Guide", lambda: _show_user_guide(window)),
    }
    # Find and Copy as Plain Text use the Generate tab's text when no text has the focus.
    edits = EditActions(window, lambda: parts.generation.editor if parts.ready else None)
    a.update(edits.actions)
    bar = parts.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a["open_files"], a["open_folder"]])
    recent_corpora = file_menu.addMenu("Recent Corpora")
    file_menu.addSeparator()
    file_menu.addActions([a["open_model"], a["open_run"], a["open_demo"]])
    recent_models = file_menu.addMenu("Recent Models")
    file_menu.addActions([a["save_model"], a["model_card"]])
    file_menu.addSeparator()
    file_menu.addActions([a["save_text"], a["export_onnx"]])
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])
    edit_menu = edits.add_menu(bar)
    gen_menu = bar.addMenu("&Generate")
    gen_menu.addActions([a["generate"], a["continue"], a["alternatives"], a["stop"], a["compare"]])
    gen_menu.addAction(a["history"])
    gen_menu.addSeparator()
    a["suggest"] = QAction("Suggest As I Type", window, checkable=True, checked=True)
    gen_menu.addAction(a["suggest"])  # tied to the Generate tab's box by engine_ready
    train_menu = bar.addMenu("&Train")
    train_menu.addActions([a["train"], a["pause"], a["resume"], a["stop_training"], a["train_rnn"]])
    view_menu = bar.addMenu("&View")
    for dock in parts.docks.values():
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    view_menu.addAction(a["reset_layout"])
    help_menu = bar.addMenu("&Help")
    help_menu.addActions([a["user_guide"], a["shortcuts"], a["model_card"], a["open_log"], a["about"]])

    tools = QToolBar("Main toolbar")
    tools.setObjectName("main-toolbar")
    tools.setMovable(False)
    tools.addActions([a["open_files"], a["open_model"], a["save_model"], a["model_card"]])
    tools.addSeparator()
    tools.addActions([a["generate"], a["continue"], a["stop"], a["compare"]])
    tools.addSeparator()
    tools.addActions([a["train"], a["pause"], a["stop_training"]])
    parts.addToolBar(tools)
    tips = DisabledTips(window, parts.statusBar)
    for menu in (file_menu, edit_menu, gen_menu, train_menu, view_menu, help_menu):
        menu.installEventFilter(tips)
    engine_waiting(a, LOADING, recent_models)
    return Menus(actions=a, recent_corpora=recent_corpora, recent_models=recent_models, view=view_menu)


def _about(parent: QWidget, data_dir: Path) -> None:
    QMessageBox.about(
        parent,
        "About LSTM Studio",
        f"<b>LSTM Studio {__version__}</b><br>Train LSTM and vanilla RNN language models on your "
        f"own text, generate with them and compare them.<br><br>Your data: {data_dir}",
    )


# The commands below import their module when triggered: those reach the engine's files,
# and the menus are built with the window, before the engine has loaded.
def _save_text_as(parts: MenuParts) -> None:
    from app.text_files import save_text_as

    save_text_as(parts)


def _export_onnx(parts: MenuParts) -> None:
    from app.onnx_export import export_onnx_from_window

    export_onnx_from_window(parts)


def _show_user_guide(parent: QWidget) -> None:
    from app.user_guide import show_user_guide

    show_user_guide(parent)


def _open_log_folder(parts: MenuParts) -> None:
    if not open_log_folder(parts.data_dir):
        parts.statusBar().showMessage(f"Could not open {log_folder(parts.data_dir)}", 8000)


class DisabledTips(QObject):
    """A menu skips disabled items under the pointer, so their status tips never showed; this
    shows a disabled action's tip (why it is unavailable) in the window's status bar."""

    def __init__(self, parent: QObject, status_bar: Callable[[], QStatusBar]) -> None:
        super().__init__(parent)
        self.status_bar = status_bar

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseMove and isinstance(watched, QMenu):
            assert isinstance(event, QMouseEvent)
            action = watched.actionAt(event.position().toPoint())
            if action is not None and not action.isEnabled() and action.statusTip():
                self.status_bar().showMessage(action.statusTip())
        return False


def engine_waiting(actions: Mapping[str, QAction], why: str, recent_models: QMenu) -> None:
    """Disable the actions that need the engine; hovering one says why in the status bar.
    File ▸ Recent Models too: opening a model needs the engine."""
    for action in (*(actions[name] for name in ENGINE_ACTIONS), recent_models.menuAction()):
        action.setEnabled(False)
        action.setStatusTip(why)


def engine_ready(actions: Mapping[str, QAction], recent_models: QMenu, suggest: QAbstractButton) -> None:
    """The engine's panels are in place: enable what waited for them (the window's state
    handlers then disable what the current state rules out) and tie Suggest to its box."""
    for name in ENGINE_ACTIONS:
        actions[name].setEnabled(True)
        actions[name].setStatusTip("")
    # Enabled by its entries (fill_recent), but no longer waiting for the engine.
    recent_models.menuAction().setStatusTip("")
    toggle = actions["suggest"]
    toggle.setChecked(suggest.isChecked())
    toggle.toggled.connect(suggest.setChecked)
    suggest.toggled.connect(toggle.setChecked)


def shortcuts_text(actions: Mapping[str, QAction]) -> str:
    """Help ▸ Keyboard Shortcuts: every action that has keys, then the keys a panel handles
    itself (Tab accepts the suggestion), as an HTML table."""
    pairs = [
        (
            action.text().replace("…", "").replace("&", ""),
            ", ".join(k.toString(NATIVE) for k in action.shortcuts()),
        )
        for action in actions.values()
    ]
    rows = [
        f"<tr><td>{html.escape(name)}</td><td>&nbsp;&nbsp;<b>{html.escape(keys)}</b></td></tr>"
        for name, keys in [*pairs, *KEYS_WITHOUT_ACTIONS]
        if keys
    ]
    return "<table>" + "".join(rows) + "</table>"
