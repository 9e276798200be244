"""What the window remembers between sessions, kept in the per-user data folder."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

MAX_RECENT = 8


APP_FOLDER = "LSTM Studio"


def user_data_dir() -> Path:
    """The platform's per-user data folder (never the program folder), named once:
    ``~/.local/share/LSTM Studio`` on Linux. Qt's AppDataLocation appends both the
    organisation and the application name, which are the same here, so it read
    ``…/LSTM Studio/LSTM Studio``; a folder left there by an older version is moved up."""
    generic = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    path = Path(generic) / APP_FOLDER if generic else Path.home() / ".lstm-studio"
    doubled = path / APP_FOLDER
    if doubled.is_dir() and not (path / "settings.ini").exists():
        for item in doubled.iterdir():
            if not (path / item.name).exists():
                item.rename(path / item.name)
        with contextlib.suppress(OSError):  # something was left behind: keep it rather than lose it
            doubled.rmdir()
    path.mkdir(parents=True, exist_ok=True)
    return path


class Settings:
    """A thin typed layer over an INI-format QSettings file in the data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.qt = QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat)

    # ---- recent lists: JSON in one key, so a corpus of several files stays one entry ----
    def _list(self, key: str) -> list:
        raw = self.qt.value(key, "[]")
        try:
            value = json.loads(str(raw))
        except ValueError:
            return []
        return value if isinstance(value, list) else []

    def _push(self, key: str, entry: object) -> None:
        items = [e for e in self._list(key) if e != entry]
        self.qt.setValue(key, json.dumps([entry, *items][:MAX_RECENT]))

    def recent_corpora(self) -> list[list[str]]:
        return [e for e in self._list("recent/corpora") if isinstance(e, list)]

    def add_recent_corpus(self, paths: list[str]) -> None:
        self._push("recent/corpora", [str(p) for p in paths])

    def recent_models(self) -> list[str]:
        return [e for e in self._list("recent/models") if isinstance(e, str)]

    def add_recent_model(self, path: str) -> None:
        self._push("recent/models", str(path))

    # ---- single values ----------------------------------------------------------------
    def get_str(self, key: str) -> str:
        value = self.qt.value(key, "")
        return str(value) if value is not None else ""

    def set_str(self, key: str, value: str) -> None:
        self.qt.setValue(key, value)

    def get_bytes(self, key: str) -> QByteArray | None:
        value = self.qt.value(key)
        return value if isinstance(value, QByteArray) else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        self.qt.setValue(key, value)

    def sync(self) -> None:
        self.qt.sync()
