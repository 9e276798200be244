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
from app.error_log import log_folder, open_log_folder
from app.loading_page import LOADING

if TYPE_CHECKING:
    from app.window_parts import MenuParts


# Everything but opening a corpus, the help and quitting needs the engine's panels or torch.
ENGINE_ACTIONS = frozenset(
    {
        *("open_model", "open_run", "open_demo", "save_model", "model_card"),
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


def _action(
    window: QWidget,
    text: str,
    slot: Callable[[], object],
    keys: list[str] | QKeySequence.StandardKey | None = None,
    icon: QStyle.StandardPixmap | None = None,
    tip: str = "",
) -> QAction:
    action = QAction(text, window)
    if isinstance(keys, list):
        action.setShortcuts([QKeySequence(k) for k in keys])
    elif keys is not None:
        action.setShortcut(QKeySequence(keys))
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    action.setToolTip(tip or text.replace("…", ""))
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)  # shortcuts work whichever panel has focus
    return action


def build_menus(parts: MenuParts) -> Menus:
    """Every action, menu and the toolbar, built with the window before the engine has loaded,
    so the menu bar is complete from the first frame. The slots look their panel up when
    triggered; until then the actions that need one are disabled (``ENGINE_ACTIONS``)."""
    SP = QStyle.StandardPixmap
    window = parts.window()
    a = {
        "open_files": _action(
            window,
            "Open Corpus Files…",
            lambda: parts.corpus.choose_files(),
            QKeySequence.StandardKey.Open,
            SP.SP_DialogOpenButton,
            "Open corpus files",
        ),
        "open_folder": _action(
            window,
            "Open Corpus Folder…",
            lambda: parts.corpus.choose_folder(),
            ["Ctrl+Shift+O"],
            SP.SP_DirOpenIcon,
            "Open a folder of text files",
        ),
        "open_model": _action(
            window,
            "Open Model…",
            parts.choose_model,
            ["Ctrl+M"],
            SP.SP_FileDialogStart,
            "Open a checkpoint.safetensors",
        ),
        "open_demo": _action(
            window, "Open Built-in Demo", parts.open_demo, tip="Back to the demo corpus's shipped models"
        ),
        "open_run": _action(window, "Open Run Folder…", parts.choose_run_folder, ["Ctrl+Shift+M"]),
        "save_model": _action(
            window,
            "Save Model As…",
            parts.save_model_as,
            QKeySequence.StandardKey.SaveAs,
            SP.SP_DialogSaveButton,
            "Save the model as…",
        ),
        "model_card": _action(
            window,
            "Model Card…",
            parts.show_model_card,
            ["Ctrl+I"],
            SP.SP_FileDialogInfoView,
            "Show the model card",
        ),
        "quit": _action(window, "Quit", parts.close, QKeySequence.StandardKey.Quit),
        "generate": _action(
            window,
            "Generate",
            lambda: parts.generation.generate(),
            ["Ctrl+Return", "Ctrl+Enter"],
            SP.SP_MediaPlay,
            "Generate from the prompt (Ctrl+Enter)",
        ),
        "continue": _action(
            window,
            "Continue",
            lambda: parts.generation.continue_text(),
            ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
            SP.SP_MediaSeekForward,
            "Continue the text (Ctrl+Shift+Enter)",
        ),
        "alternatives": _action(
            window,
            "Generate 5 Alternatives",
            lambda: parts.generation.generate_alternatives(),
            ["Ctrl+Alt+Return", "Ctrl+Alt+Enter"],
            tip="Five continuations of the prompt at once; click one to keep it (Ctrl+Alt+Enter)",
        ),
        "history": _action(
            window, "Generation History…", lambda: parts.generation.show_history(), ["Ctrl+H"]
        ),
        "stop": _action(
            window,
            "Stop Generating",
            parts.stop_generating,
            ["Esc"],
            SP.SP_MediaStop,
            "Stop generating (Esc)",
        ),
        "compare": _action(
            window,
            "Compare LSTM and RNN",
            lambda: parts.contrast.compare(),
            ["Ctrl+R"],
            SP.SP_BrowserReload,
            "Same prompt and seed through both models (Ctrl+R)",
        ),
        "train": _action(
            window,
            "Start Training",
            lambda: parts.dashboard.start(),
            ["F5"],
            SP.SP_ComputerIcon,
            "Start training on the corpus (F5)",
        ),
        "pause": _action(
            window,
            "Pause Training",
            lambda: parts.training.pause(),
            ["F6"],
            SP.SP_MediaPause,
            "Pause training (F6)",
        ),
        "resume": _action(window, "Resume Training", lambda: parts.dashboard.resume(), ["F7"]),
        "stop_training": _action(
            window,
            "Stop Training",
            lambda: parts.training.stop(),
            ["Shift+F5"],
            SP.SP_BrowserStop,
            "Stop training (Shift+F5)",
        ),
        "train_rnn": _action(window, "Train the RNN for Contrast", parts.train_rnn),
        "reset_layout": _action(window, "Reset Layout", parts.reset_layout),
        "open_log": _action(
            window,
            "Open Log Folder",
            lambda: _open_log_folder(parts),
            tip="Show the log of background failures",
        ),
        "about": _action(window, "About LSTM Studio", lambda: _about(window, parts.data_dir)),
        "shortcuts": _action(
            window,
            "Keyboard Shortcuts",
            lambda: QMessageBox.information(window, "Keyboard shortcuts", shortcuts_text(a)),
            ["F1"],
        ),
    }
    bar = parts.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a["open_files"], a["open_folder"]])
    recent_corpora = file_menu.addMenu("Recent Corpora")
    file_menu.addSeparator()
    file_menu.addActions([a["open_model"], a["open_run"], a["open_demo"]])
    recent_models = file_menu.addMenu("Recent Models")
    file_menu.addActions([a["save_model"], a["model_card"]])
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])
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
    help_menu.addActions([a["shortcuts"], a["model_card"], a["open_log"], a["about"]])

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
    for menu in (file_menu, gen_menu, train_menu, view_menu, help_menu):
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


def fill_recent(
    menu: QMenu, entries: list[str], labels: list[str], open_entry: Callable[[str], object]
) -> None:
    menu.clear()
    for entry, label in zip(entries, labels, strict=True):
        action = menu.addAction(label)
        action.setToolTip(entry)
        action.triggered.connect(lambda _checked=False, e=entry: open_entry(e))
    menu.setEnabled(bool(entries))
    # A QMenu passes its state to its item in the parent menu only when that state changes;
    # engine_waiting greys the item alone, so a menu that stayed enabled left it grey for good.
    menu.menuAction().setEnabled(bool(entries))


def recent_model_labels(paths: list[str]) -> list[str]:
    """Each checkpoint by its run: "shakespeare-0412", "shakespeare-0412 (RNN)"; where two
    runs share a name, the folder above tells them apart."""

    def label(path: Path, depth: int) -> str:
        run = path.parent.parent if path.parent.name == "rnn" else path.parent
        name = "/".join(p.name for p in reversed([run, *run.parents][:depth]) if p.name)
        return f"{name} (RNN)" if path.parent.name == "rnn" else name

    files = [Path(p) for p in paths]
    labels = [label(f, 1) for f in files]
    for depth in (2, 3, 4):
        clashes = {x for x in labels if labels.count(x) > 1}
        if not clashes:
            break
        labels = [label(f, depth) if x in clashes else x for f, x in zip(files, labels, strict=True)]
    return labels


def shortcuts_text(actions: Mapping[str, QAction]) -> str:
    """Help ▸ Keyboard Shortcuts: every action that has keys, as an HTML table."""
    rows = []
    for action in actions.values():
        keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
        if keys:
            name = html.escape(action.text().replace("…", "").replace("&", ""))
            rows.append(f"<tr><td>{name}</td><td>&nbsp;&nbsp;<b>{html.escape(keys)}</b></td></tr>")
    return "<table>" + "".join(rows) + "</table>"
