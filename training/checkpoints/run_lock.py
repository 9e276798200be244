"""One process trains into a run folder at a time.

The lock is a file in the run folder, and what is held is the operating system's lock on
that file (``flock`` on POSIX, ``msvcrt.locking`` on Windows) for the run's whole life. The
OS grants it to exactly one process however many start at the same instant, and frees it
when that process ends however it ends (killed, crashed, the machine restarted). So a lock
file whose OS lock is free is left over, whatever it says, even where its pid now belongs to
another program. The file also holds the owner's pid, host and start time, for the message a
refused process shows.

One case this machine cannot settle: a left-over file written on another host (a shared
folder, or a container restarted under a new name). A process there may hold a lock that
cannot be seen from here, so it is refused with the file's path and how to take it over.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

LOCK_NAME = ".lstm-studio.lock"
TAKE_OVER_FLAG = "--take-over-lock"  # named in the refusal of another host's lock
# A file that is let go of and removed between a newcomer's open and its lock makes the
# newcomer open the new one; more than a few in a row means something keeps removing it.
_TRIES = 5
# Windows locks byte ranges and a locked range cannot be read by anyone else: the lock sits
# far past the JSON, so that a refused process can still read who holds the folder.
_WINDOWS_LOCK_OFFSET = 1 << 30
# Created when missing, never emptied on open: what it says is read before it is rewritten.
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
# A file system without file locks (some network shares) answers with one of these.
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS}


class RunLockedError(ValueError):
    """The run folder is someone else's: a living process holds its lock, or another host
    left it there; the message says which and what to do."""


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except PermissionError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@dataclass
class _Held:
    # Open with the OS lock on it, until released or the process ends. A plain descriptor, not
    # a file object that garbage collection would close: a lock whose RunLock was dropped
    # unreleased keeps the folder, as it did when only the file's existence counted.
    fd: int
    path: Path


def _owner_text(owner: dict | None) -> str:
    if owner is None:
        return ""  # its owner has not written it yet
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(owner.get("started", 0)))
    return f"pid {owner.get('pid')} on {owner.get('host')}, since {started}"


def _owner(lock: Path) -> dict | None:
    try:
        return _parsed(lock.read_bytes())
    except OSError:
        return None


def _parsed(raw: bytes) -> dict | None:
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _is_at(fd: int, path: Path) -> bool:
    """Whether `path` still names the file we opened (not removed, not replaced)."""
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (here.st_dev, here.st_ino)


def _in_use(path: Path) -> RunLockedError:
    who = _owner_text(_owner(path))
    return RunLockedError(
        f"{path.parent}: another LSTM Studio process is training into this folder"
        f"{f' ({who})' if who else ''}; wait for it, stop it, or choose another folder"
    )


def _from_another_host(path: Path, owner: dict) -> RunLockedError:
    return RunLockedError(
        f"{path.parent}: its lock file {path} was left by {_owner_text(owner)}, which is not "
        f"running on this machine ({socket.gethostname()}), and a process on another host cannot "
        f"be checked from here; if nothing there trains into this folder (a restarted container "
        f"gets a new host name), take the lock over with {TAKE_OVER_FLAG} or delete {path}"
    )


def _open_locked(path: Path) -> int:
    """The lock file, open and locked by us, or RunLockedError when another process holds it."""
    for _ in range(_TRIES):
        fd = os.open(path, _OPEN_FLAGS, 0o644)
        try:
            locked = _try_lock(fd)
        except OSError as err:
            os.close(fd)
            if err.errno in _NO_LOCKS:
                raise RunLockedError(
                    f"{path.parent}: this folder's file system cannot lock files ({err.strerror}); "
                    "train into a folder on a local disk"
                ) from None
            raise
        if not locked:
            os.close(fd)
            raise _in_use(path)
        if _is_at(fd, path):
            return fd
        # Its owner let go and removed it between our open and our lock: open the new one.
        _close(fd)
    raise RunLockedError(f"{path.parent}: could not take its lock: its lock file {path} keeps vanishing")


def holder(folder: Path) -> str | None:
    """Who trains into ``folder`` now ("pid 12 on box, since 2026-12-06 14:02"), or None when
    no living process on this machine holds its lock. Creates nothing; the lock is taken for
    an instant to find out, as a starting run would."""
    path = folder / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        if _try_lock(fd):
            _unlock(fd)
            return None
    except OSError:  # a file system without locks: not known to be held
        return None
    finally:
        os.close(fd)
    return _owner_text(_owner(path)) or "another process"


def _claim(held: _Held, *, take_over: bool) -> None:
    """Write who we are into a lock file we hold; what it said before is left over, except
    another host's, which may still be in use there."""
    fd = held.fd
    os.lseek(fd, 0, os.SEEK_SET)
    previous = _parsed(_read_all(fd))
    if previous is not None and previous.get("host") != socket.gethostname() and not take_over:
        raise _from_another_host(held.path, previous)
    me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, json.dumps(me).encode("utf-8"))


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    return b"".join(chunks)


def _close(fd: int) -> None:
    _unlock(fd)
    os.close(fd)


def _missing_folders(folder: Path) -> list[Path]:
    """The folders ``mkdir(parents=True)`` would create for ``folder``, innermost first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


def _lock_folder(folder: Path, *, take_over: bool) -> _Held:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    held = _Held(_open_locked(path), path)
    try:
        _claim(held, take_over=take_over)
    except BaseException:
        _close(held.fd)
        raise
    return held


def _let_go(held: _Held) -> None:
    if sys.platform == "win32":
        _close(held.fd)
        # Fails, harmlessly, while a newcomer has the file open: it is theirs now.
        with contextlib.suppress(OSError):
            held.path.unlink()
        return
    # Removed while still locked: a newcomer that opened this file before sees it gone once
    # it gets the lock, and opens a new one instead of sharing ours.
    if _is_at(held.fd, held.path):
        held.path.unlink(missing_ok=True)
    _close(held.fd)


class RunLock:
    """The locks of a run's folders, taken together: its own and the companions' (the
    vanilla RNN's subfolder of a pair), so that no other run trains into any of them."""

    def __init__(self, folder: Path, *, also: Sequence[Path] = (), take_over: bool = False) -> None:
        self.folders = (Path(folder), *(Path(f) for f in also))
        self.path = self.folders[0] / LOCK_NAME
        # Take a lock another host left: the person has said nothing there uses the folder.
        self.take_over = take_over
        self._held: list[_Held] = []
        self._created: list[Path] = []  # folders this lock made, innermost first

    @property
    def held(self) -> bool:
        return bool(self._held)

    def acquire(self) -> RunLock:
        try:
            for folder in self.folders:
                created = _missing_folders(folder)
                self._held.append(_lock_folder(folder, take_over=self.take_over))
                self._created = created + self._created
        except BaseException:
            self.release()
            raise
        return self

    def release(self) -> None:
        while self._held:
            _let_go(self._held.pop())
        # A folder made for a run that wrote nothing (a refused corpus, a missing device, a step
        # that did not fit) would be litter in the runs folder, and a later --resume there would
        # find no run. rmdir removes only an empty folder: anything written there keeps it.
        for folder in self._created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._created = []

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
