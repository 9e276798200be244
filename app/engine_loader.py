"""Loading the engine behind the first window: torch, the models, the trainer and the plots.

Importing torch takes seconds on a laptop CPU, and most of the window's panels need it
(or pyqtgraph). The window first shows what works without them (the corpus panel, the
prompt box) and runs ``load_engine`` on a background thread; the module imports below
fill ``sys.modules``, so building the panels afterwards on the GUI thread imports nothing.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread

if TYPE_CHECKING:
    from app.panels.explain_panel import ExplainPanel
    from app.panels.gates_panel import GatesPanel

log = logging.getLogger(__name__)


def torch_first() -> bool:
    """On Windows, Qt's DLLs loaded before torch's can make c10.dll fail to initialise
    (an OpenMP / MSVC runtime clash), so there torch still loads before Qt."""
    return sys.platform == "win32"


# Called with what the loader starts next ("importing PyTorch"), from the loader's thread: on a
# busy machine the load takes many seconds, and the window says what it is waiting for.
StageReport = Callable[[str], None]


def _silent(_stage: str) -> None:
    pass


def load_engine(report: StageReport = _silent) -> None:
    """Import everything the engine-backed panels need; safe to call again (imports are cached)."""
    report("importing PyTorch")
    import torch  # noqa: F401

    report("loading the panels")
    # Every panel's module (and pyqtgraph): an import that fails fails the load, with its reason.
    from app import engine_parts  # noqa: F401


def warm_up_after_ready(window: QObject) -> None:
    """The first optimizer's imports (torch._dynamo, over a second on a laptop CPU) on a
    thread of their own once the engine is ready: only training needs them, so the window
    does not wait for them, and the first Start rarely does (a Start meanwhile waits on
    Python's import lock, not on a second copy of the work)."""
    from app.background import Background
    from app.warmup import warm_up_torch

    Background(window).run(
        lambda _report: warm_up_torch(),
        on_done=lambda _result: None,
        # Logged by Background; the first Start meets the same error with its own message.
        on_error=lambda _message: None,
        name="warm up torch for training",
    )


def shutdown_panel(panel: ExplainPanel | GatesPanel) -> None:
    """Ask a panel that owns threads to stop them, then make sure they have ended."""
    try:
        panel.shutdown()
    except Exception:  # logged, and the threads are still waited for: the window is closing either way
        log.exception("%s.shutdown failed", type(panel).__name__)
    for thread in panel.findChildren(QThread):
        if thread.isRunning():
            thread.quit()
            thread.wait(5000)
