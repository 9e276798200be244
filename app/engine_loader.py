"""Loading the engine behind the first window: torch, the models, the trainer and the plots.

Importing torch takes seconds on a laptop CPU, and most of the window's panels need it
(or pyqtgraph). The window first shows what works without them (the corpus panel, the
prompt box) and runs ``load_engine`` on a background thread; the module imports below
fill ``sys.modules``, so building the panels afterwards on the GUI thread imports nothing.
"""

from __future__ import annotations

import importlib
import logging
import sys

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

# Panels other engineers provide, as (module, class, tab title); the window works without them.
OPTIONAL_PANELS = (
    ("app.panels.explain_panel", "ExplainPanel", "Explain"),
    ("app.panels.gates_panel", "GatesPanel", "Gates"),
)


def torch_first() -> bool:
    """On Windows, Qt's DLLs loaded before torch's can make c10.dll fail to initialise
    (an OpenMP / MSVC runtime clash), so there torch still loads before Qt."""
    return sys.platform == "win32"


def load_engine() -> None:
    """Import everything the engine-backed panels need; safe to call again (imports are cached)."""
    import torch  # noqa: F401

    from app.warmup import warm_up_torch

    warm_up_torch()  # the first AdamW's imports, paid here rather than in the first training run
    importlib.import_module("app.engine_parts")
    for module_name, _class, _title in OPTIONAL_PANELS:
        try:
            importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        except Exception:  # a half-written panel must not stop the engine; the window logs it again
            log.exception("could not import %s", module_name)


def shutdown_panel(panel: QWidget) -> None:
    # Other engineers' panels may own threads: ask them to stop, then make sure.
    try:
        stop = getattr(panel, "shutdown", None)
        if callable(stop):
            stop()
    except Exception:
        log.exception("%s.shutdown failed", type(panel).__name__)
    for thread in panel.findChildren(QThread):
        if thread.isRunning():
            thread.quit()
            thread.wait(5000)
