"""What a killed writer leaves in the token cache, and deleting it.

An entry is written in a temporary folder and renamed into place when whole; a writer
killed mid-way (``kill -9``, a power cut) leaves that folder behind, and it can hold
gigabytes of ids nothing will read. Its name says which process on which machine writes
it, so a later ingestion deletes the folders whose writer is gone.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import sys
import time
from pathlib import Path

LEFTOVER_AGE_S = 86_400  # a temporary folder untouched for a day has no live writer
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_TEMPORARY = re.compile(r"\.tokens-.+-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[^-]*")


def temporary_prefix(key: str) -> str:
    """A temporary folder's name says which process on which machine writes it."""
    return f".tokens-{key}-{_HOST}-{os.getpid()}-"


def prune_leftovers(root: Path) -> None:
    """Delete the temporary folders of writers that are gone (killed, or the machine lost
    power mid-write): each can hold gigabytes of ids that nothing will ever read."""
    for folder in root.glob(".tokens-*"):
        if not _writer_may_be_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _writer_may_be_alive(folder: Path) -> bool:
    try:  # tokens.bin's mtime moves with every write; the folder's does not
        touched = max(p.stat().st_mtime for p in (folder, *folder.iterdir()))
    except OSError:
        return True  # gone already, or not ours to look into
    if time.time() - touched > LEFTOVER_AGE_S:
        return False
    named = _TEMPORARY.fullmatch(folder.name)
    # Only age tells for another machine's process (a shared home folder), for a folder
    # named before names held a pid, and on Windows, where os.kill(pid, 0) would end it.
    if named is None or named["host"] != _HOST or sys.platform == "win32":
        return True
    return _process_exists(int(named["pid"]))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 sends nothing: it only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but is another user's
        return True
    return True
