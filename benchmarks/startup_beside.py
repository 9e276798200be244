"""What the start-up benchmark runs beside its launches: one training process (the loaded
case) and an X server (the real-display case). Standard library only, like startup_time."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_CORPUS = ROOT / "assets" / "demo" / "corpus.txt"
TRAIN_WARMUP_S = 8.0  # until the training process is past its imports and stepping


@contextlib.contextmanager
def training_beside() -> Iterator[None]:
    """One ``lstm-studio train`` on the demo corpus, from the source tree, for as long as the
    block runs: the Quick preset, both cores' worth of work, killed at the end."""
    with tempfile.TemporaryDirectory(prefix="lstm-studio-beside-") as out:
        command = [
            sys.executable, "-m", "app", "train", str(DEMO_CORPUS), "--out", str(Path(out) / "run"),
            "--minutes", "60", "--checkpoint-every", "3600",
        ]  # fmt: skip
        env = {**os.environ, "LSTM_STUDIO_CACHE": str(Path(out) / "cache")}
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            time.sleep(TRAIN_WARMUP_S)
            if proc.poll() is not None:
                raise RuntimeError(f"the training beside the launches exited with {proc.returncode}")
            yield
        finally:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def x_server() -> Iterator[str | None]:
    """The display to launch on: $DISPLAY when set, else a fresh Xvfb with openbox as its window
    manager (as a desktop has one); None when neither is there."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if shutil.which("Xvfb") is None or shutil.which("openbox") is None:
        yield None
        return
    display = f":{90 + os.getpid() % 100}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(1.0)
    manager = subprocess.Popen(["openbox"], env={**os.environ, "DISPLAY": display},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(1.0)
    try:
        yield display
    finally:
        for proc in (manager, xvfb):
            proc.terminate()
            proc.wait()
