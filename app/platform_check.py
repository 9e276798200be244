"""What the window needs of the system, checked before Qt starts.

Qt 6.5 and later load the X11 platform plugin (xcb) only with ``libxcb-cursor0``, which a
fresh Linux desktop may lack. Qt then prints a long message about plugins and aborts; the
program checks first and says the one thing to do. Only where Qt would use xcb: Linux, an
X display, and no other platform chosen (a Wayland session uses Qt's Wayland plugin).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Callable, Mapping

XCB_CURSOR = "xcb-cursor"
XCB_CURSOR_SONAME = "libxcb-cursor.so.0"
MISSING_XCB_CURSOR = (
    "lstm-studio: the window needs the system library libxcb-cursor0, which is missing; "
    "install libxcb-cursor0: sudo apt install libxcb-cursor0"
)


def library_loads(name: str = XCB_CURSOR, soname: str = XCB_CURSOR_SONAME) -> bool:
    """Whether the dynamic loader finds the library: by the system's lookup, or by loading it
    (which also sees LD_LIBRARY_PATH and a copy bundled beside the program)."""
    if ctypes.util.find_library(name):
        return True
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will start its X11 plugin here."""
    if not platform.startswith("linux") or not environ.get("DISPLAY"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:  # "xcb", "xcb:option", or a list tried in order, "wayland;xcb"
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    # Unset: a Wayland session gets Qt's Wayland plugin, which needs no xcb library.
    return not (environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland")


def missing_system_library(
    environ: Mapping[str, str] | None = None,
    *,
    platform: str = sys.platform,
    loads: Callable[[], bool] = library_loads,
) -> str | None:
    """The one line to print when the window cannot start on this system, else None."""
    if uses_xcb(os.environ if environ is None else environ, platform) and not loads():
        return MISSING_XCB_CURSOR
    return None
