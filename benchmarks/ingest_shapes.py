"""Corpora of the shapes people bring, run through `lstm-studio` as a person runs it.

Each stage starts the command-line program in a process of its own, reads its ``--json``
events as they arrive (timed on arrival, from the moment the process started) and reads its
peak memory from the kernel (VmHWM) as it ends. The corpora are built in a temporary folder
from Python's standard-library sources and deleted afterwards; every stage has its own token
cache, so "cold" means an empty cache and "warm" the second run on it.

- ``files``: a folder of 50,000 small files. Cold ≤ 15 s and warm ≤ 3 s to the first step.
- ``sigint``: Ctrl+C (SIGINT) sent to a cold run on that folder at several moments (while it
  scans, tokenises, trains): the process has ended within 1 s each time.
- ``huge``: 10 GB of text at character level (the sources repeated in shuffled order). Peak
  memory ≤ 1 GB while it is first read, in a warm run, and in ``evaluate --max-tokens``; the
  warm run's first step ≤ 3 s.
- ``document``: one 1 GB file (and a small one) in ``--documents files`` mode: peak ≤ 1 GB.

    python -m benchmarks.ingest_speed --shapes files,sigint,huge,document [--huge-gb 10]
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from training.data.token_scans import SETTLE_NS

FILES = 50_000
FILES_COLD_S, FILES_WARM_S = 15.0, 3.0
SIGINT_S = 1.0
PEAK_MB = 1024.0
WARM_STEP_S = 3.0
TINY = ["--hidden", "64", "--embed", "32", "--layers", "1", "--batch", "8", "--seq-len", "32"]

# The program, and its own peak memory as its last line on stderr.
_RUN_CLI = (
    "import sys\n"
    "from training.cli import main\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "finally:\n"
    "    peak = next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
    "    print(f'PEAK_KB {peak}', file=sys.stderr, flush=True)\n"
    "sys.exit(code)\n"
)


@dataclass
class CliRun:
    """One `lstm-studio` process: its events, each with the seconds since it started."""

    args: list[str]
    env: dict[str, str]
    events: list[tuple[float, dict]] = field(default_factory=list)
    started: float = 0.0
    process: subprocess.Popen | None = None
    stderr: str = ""
    _readers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> CliRun:
        command = [sys.executable, "-c", _RUN_CLI, *self.args, "--json"]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env
        )
        # A reader of its own for each pipe: communicate() would read stdout too, and take
        # lines (the first step's among them) from under the events' reader.
        self._readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.events.append((time.perf_counter() - self.started, json.loads(line)))
            except json.JSONDecodeError:
                continue

    def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        self.stderr = self.process.stderr.read()

    def wait(self, timeout: float = 3600) -> int:
        assert self.process is not None
        code = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=10)  # the pipes end with the process: the last lines are in
        return code

    def first(self, kind: str) -> float | None:
        return next((t for t, e in self.events if e.get("event") == kind), None)

    def stage(self) -> str:
        """What the run last said it was doing."""
        for _, event in reversed(self.events):
            if event.get("event") == "ingest":
                return str(event.get("stage", "reading"))
            if event.get("event") in ("step", "validation", "checkpoint"):
                return "training"
        return "starting"

    @property
    def peak_mb(self) -> float:
        line = next((x for x in self.stderr.splitlines() if x.startswith("PEAK_KB ")), "PEAK_KB nan")
        return float(line.split()[1]) / 1024


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "(not reached: MISSED)"
    return f"(target ≤ {limit:g}: " + ("met)" if value <= limit else "MISSED)")


def load() -> str:
    """The machine's load as the figure was taken: on a shared 2-core machine a second
    process's work shows in every timing."""
    if not hasattr(os, "getloadavg"):
        return "load unknown"
    return f"load {os.getloadavg()[0]:.2f}"


def _sources() -> list[bytes]:
    texts = []
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        texts.append(data)
    return texts


def build_folder(folder: Path, count: int) -> int:
    """`count` small files cut from the sources, 500-3,000 bytes each, in 100 subfolders."""
    stream = b"".join(_sources())
    rng, at, written = random.Random(0), 0, 0
    for i in range(count):
        size = rng.randint(500, 3000)
        if at + size > len(stream):
            at = 0
        sub = folder / f"part{i % 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"file{i:05d}.txt").write_bytes(stream[at : at + size])
        at, written = at + size, written + size
    return written


def build_big_file(path: Path, megabytes: int) -> int:
    """The sources repeated, each pass in another order, up to `megabytes`."""
    sources, rng = _sources(), random.Random(0)
    target, written = megabytes * 1_000_000, 0
    with path.open("wb") as out:
        while written < target:
            rng.shuffle(sources)
            for data in sources:
                out.write(data)
                written += len(data)
                if written >= target:
                    break
    return written


def _env(cache: Path) -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[1])
    return {**os.environ, "LSTM_STUDIO_CACHE": str(cache), "PYTHONPATH": root}


def _train(corpus: Path, out: Path, cache: Path, *extra: str) -> CliRun:
    args = ["train", str(corpus), "--out", str(out), "--overwrite", "--steps", "5", *TINY, *extra]
    return CliRun(args, _env(cache)).start()


def stage_files(work: Path) -> None:
    folder = work / "files"
    size = build_folder(folder, FILES)
    # A file hashed within SETTLE_NS of its last change is hashed again by the next run (a
    # change in the same timestamp tick would not show in its stat): a folder read the moment
    # it is written would have its last files re-read by the warm run. People's corpora are
    # older than that; this one is let settle first, so that "warm" measures a warm start.
    time.sleep(SETTLE_NS / 1e9)
    print(f"\n== a folder of {FILES:,} files, {size / 1e6:,.0f} MB ==")
    cache = work / "cache-files"
    for label, limit in (("cold", FILES_COLD_S), ("warm", FILES_WARM_S)):
        run = _train(folder, work / "run-files", cache)
        code = run.wait()
        step = run.first("step")
        print(
            f"{label}: first step at {step if step is None else round(step, 2)} s after the process "
            f"started {verdict(step, limit)}; exit {code}; peak {run.peak_mb:,.0f} MB; {load()}"
        )
        if code != 0:
            print(run.stderr[-1500:])


def stage_sigint(work: Path) -> None:
    folder = work / "files"
    if not folder.is_dir():
        build_folder(folder, FILES)
    print(f"\n== Ctrl+C on a cold run over {FILES:,} files ==")
    for at in (0.5, 1.5, 3.0, 5.0, 8.0, 12.0):
        cache = work / f"cache-sigint-{at}"
        run = _train(folder, work / "run-sigint", cache, "--steps", "100000")
        time.sleep(at)
        stage = run.stage()
        assert run.process is not None
        sent = time.perf_counter()
        run.process.send_signal(signal.SIGINT)
        code = run.wait(timeout=120)
        answered = time.perf_counter() - sent
        print(
            f"SIGINT at {at:4.1f} s, while {stage:<20}: ended {answered:4.2f} s later, exit {code} "
            f"{verdict(answered, SIGINT_S)}; {load()}"
        )
        shutil.rmtree(cache, ignore_errors=True)


def stage_huge(work: Path, gigabytes: float) -> None:
    corpus = work / "huge.txt"
    size = build_big_file(corpus, int(gigabytes * 1000))
    print(f"\n== {size / 1e9:,.1f} GB of text at character level ==")
    time.sleep(SETTLE_NS / 1e9)  # a file just written is hashed again at the next start (see above)
    cache, out = work / "cache-huge", work / "run-huge"
    for label in ("cold", "warm"):
        run = _train(corpus, out, cache)
        code = run.wait()
        step = run.first("step")
        timing = f"first step at {step if step is None else round(step, 2)} s"
        if label == "warm":
            timing += f" {verdict(step, WARM_STEP_S)}"
        print(f"{label}: {timing}; exit {code}; peak {run.peak_mb:,.0f} MB {verdict(run.peak_mb, PEAK_MB)}")
        if code != 0:
            print(run.stderr[-1500:])
    evaluate = CliRun(["evaluate", str(out), str(corpus), "--max-tokens", "200000"], _env(cache)).start()
    code = evaluate.wait()
    peak = evaluate.peak_mb
    print(f"evaluate --max-tokens 200000: exit {code}; peak {peak:,.0f} MB {verdict(peak, PEAK_MB)}")
    corpus.unlink()
    shutil.rmtree(cache, ignore_errors=True)


def stage_document(work: Path) -> None:
    folder = work / "document"
    folder.mkdir()
    size = build_big_file(folder / "one.txt", 1000)
    # A second, small document: a run needs one to train on and one to hold out.
    (folder / "two.txt").write_bytes(b"".join(_sources()[:20]))
    print(f"\n== one document of {size / 1e9:,.1f} GB and a small one, --documents files ==")
    run = _train(folder, work / "run-document", work / "cache-document", "--documents", "files")
    code = run.wait()
    step = run.first("step")
    print(
        f"first step at {step if step is None else round(step, 1)} s; exit {code}; "
        f"peak {run.peak_mb:,.0f} MB {verdict(run.peak_mb, PEAK_MB)}"
    )
    if code != 0:
        print(run.stderr[-1500:])
    shutil.rmtree(folder, ignore_errors=True)


def run_shapes(work: Path, shapes: list[str], huge_gb: float) -> None:
    stages = {
        "files": lambda: stage_files(work),
        "sigint": lambda: stage_sigint(work),
        "huge": lambda: stage_huge(work, huge_gb),
        "document": lambda: stage_document(work),
    }
    for shape in shapes:
        stages[shape]()
