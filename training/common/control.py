"""Cooperative pause, resume and cancel, checked by the trainer once per step."""

from __future__ import annotations

import threading
from pathlib import Path


class TrainingControl:
    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._cancelled = threading.Event()
        self._move_to: Path | None = None
        self._lock = threading.Lock()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._cancelled.set()
        self._running.set()  # wake a paused trainer so it can see the cancel

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def save_elsewhere(self, folder: Path) -> None:
        """From the next step on, save the run into `folder` (after a save failed, say), and
        save there at once."""
        with self._lock:
            self._move_to = Path(folder)

    def take_new_folder(self) -> Path | None:
        with self._lock:
            folder, self._move_to = self._move_to, None
        return folder

    def is_cancelled(self) -> bool:
        """The same as ``cancelled``, as a callable for code that polls (corpus reading)."""
        return self._cancelled.is_set()

    def wait_while_paused(self) -> None:
        self._running.wait()
