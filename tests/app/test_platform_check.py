"""``lstm-studio`` on a Linux desktop without libxcb-cursor0: one line that names the fix and
a non-zero exit, before Qt starts and prints its page about plugins."""

from __future__ import annotations

import ctypes
import ctypes.util

import pytest

from app import launch

X11 = {"DISPLAY": ":0"}


@pytest.fixture
def no_xcb_cursor(monkeypatch) -> None:
    """The library lookup finds nothing, and loading it by name fails."""
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)

    def cannot_load(name, *_a, **_k):
        raise OSError(f"{name}: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(ctypes, "CDLL", cannot_load)


@pytest.fixture
def qt_must_not_start(monkeypatch) -> None:
    def started(_argv):
        raise AssertionError("the QApplication was created")

    monkeypatch.setattr(launch, "make_application", started)


def _environment(monkeypatch, values: dict[str, str]) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(launch.sys, "platform", "linux")


@pytest.mark.parametrize("platform", [None, "xcb"])
def test_a_missing_xcb_cursor_is_one_line_and_an_error_exit(
    monkeypatch, capsys, no_xcb_cursor, qt_must_not_start, platform
):
    _environment(monkeypatch, {**X11, **({"QT_QPA_PLATFORM": platform} if platform else {})})
    code = launch.launch_gui([])
    assert code != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one line
    assert "install libxcb-cursor0: sudo apt install libxcb-cursor0" in err


@pytest.mark.parametrize(
    "values",
    [
        {"QT_QPA_PLATFORM": "offscreen", **X11},  # not the X11 plugin
        {"WAYLAND_DISPLAY": "wayland-0", **X11},  # a Wayland session: Qt's Wayland plugin
        {},  # no display at all: nothing to say about X11
    ],
)
def test_no_check_where_qt_will_not_use_xcb(monkeypatch, capsys, no_xcb_cursor, values):
    from app.platform_check import missing_system_library

    _environment(monkeypatch, values)
    assert missing_system_library(platform="linux") is None


def test_an_installed_library_starts_the_window(monkeypatch, qt_must_not_start):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "libxcb-cursor.so.0")
    _environment(monkeypatch, X11)
    with pytest.raises(AssertionError, match="QApplication was created"):
        launch.launch_gui([])  # went on to Qt
