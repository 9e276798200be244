"""Another process that holds a run folder's lock until the test lets it go."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_HOLD = (
    "import sys, time; from pathlib import Path;"
    "from training.checkpoints.run_lock import RunLock; RunLock(Path(sys.argv[1])).acquire();"
    "print('held', flush=True); time.sleep(120)"
)


@contextmanager
def lock_held_elsewhere(folder: Path) -> Iterator[subprocess.Popen[str]]:
    """A process holding ``folder``'s run lock, from when it says so until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(folder)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()
