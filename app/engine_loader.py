"""Loading the engine behind the first window: torch, the models, the trainer and the plots.

Importing torch takes seconds on a laptop CPU, and most of the window's panels need it
(or pyqtgraph). The window first shows what works without them (the corpus panel, the
prompt box) and runs ``load_engine`` on a background thread; the module imports below
fill ``sys.modules``, so building the panels afterwards on the GUI thread imports nothing.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QThread

if TYPE_CHECKING:
    from app.panels.explain_panel import ExplainPanel
    from app.panels.gates_panel import GatesPanel

log = logging.getLogger(__name__)


def torch_first() -> bool:
    """On Windows, Qt's DLLs loaded before torch's can make c10.dll fail to initialise
    (an OpenMP / MSVC runtime clash), so there torch still loads before Qt."""
    return sys.platform == "win32"


def load_engine() -> None:
    """Import everything the engine-backed panels need; safe to call again (imports are cached)."""
    import torch  # noqa: F401

    from app.warmup import warm_up_torch

    warm_up_torch()  # the first AdamW's imports, paid here rather than in the first training run
    # Every panel's module (and pyqtgraph): an import that fails fails the load, with its reason.
    from app import engine_parts  # noqa: F401


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
