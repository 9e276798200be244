"""One process trains into a run folder at a time.

The lock is a file in the run folder holding the owner's pid, host and start time. A
second process is refused with a message naming both; a lock left by a process that has
died (killed, crashed, the machine restarted) is taken over.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

LOCK_NAME = ".lstm-studio.lock"


class RunLockedError(ValueError):
    """Another living process trains into this folder; the message names it."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    except OSError:
        return False
    return True


def _owner(lock: Path) -> dict | None:
    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class RunLock:
    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.held = False

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        for _ in range(2):  # the second try follows taking over a dead owner's lock
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = _owner(self.path)
                if owner is not None and self._held_by_another(owner):
                    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(owner.get("started", 0)))
                    raise RunLockedError(
                        f"{self.path.parent}: another LSTM Studio process is training into this folder "
                        f"(pid {owner.get('pid')} on {owner.get('host')}, since {started}); "
                        "wait for it, stop it, or choose another folder"
                    ) from None
                self.path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(me, f)
            self.held = True
            return self
        raise RunLockedError(f"{self.path.parent}: could not take the run folder's lock")

    @staticmethod
    def _held_by_another(owner: dict) -> bool:
        pid = owner.get("pid")
        if not isinstance(pid, int) or pid == os.getpid():
            return False
        if owner.get("host") != socket.gethostname():
            return True  # a shared folder: another machine's process cannot be checked, so it counts
        return _alive(pid)

    def release(self) -> None:
        if self.held:
            owner = _owner(self.path)
            if owner is not None and owner.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
