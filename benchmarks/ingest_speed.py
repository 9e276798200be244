"""Ingesting big corpora: wall time, tokens/s and peak memory, and how fast a run then starts.

The benchmark builds its own corpora by concatenating Python's standard-library sources
(repeated until the size is reached) in a temporary folder, deleted afterwards. For
each size and level, each in a fresh process so that its peak resident memory is its own:

1. ingestion with an empty token cache (read, learn the vocabulary, tokenise, cache);
2. a 20-step training run on the cached tokens;
3. a second such run. Both print when the cached tokens were ready, when the first step
   began and when it ended, counted from the start of preparing the run (the final, capped
   validation is part of each run's time).

Children set up the CPU runtime as the application and the CLI do (``benchmarks/__init__.py``):
without it, OpenMP threads spinning on a shared machine made the first step take seconds.
Torch imports its compiler stack the first time a process makes an optimizer; that one-off
cost is timed and printed on its own, before the run starts.

Targets: character level, 100 MB ingested in at most 20 s with peak memory at most 1 GB;
1 GB with at most 2 GB; a run on a cached corpus begins its first step within 3 s of
starting to prepare; word level within 3× the character-level time and within the same
memory as character level. Every figure with a target is printed with it, "met" or "MISSED".

    python -m benchmarks.ingest_speed [--sizes 100,1000] [--levels char,word]

Other shapes of corpus (a folder of 50,000 files, Ctrl+C at every stage, 10 GB, one 1 GB
document) are measured through the command-line program by ``--shapes``
(``benchmarks/ingest_shapes.py``):

    python -m benchmarks.ingest_speed --shapes files,sigint,huge,document [--huge-gb 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

TARGETS = {"char": {100: (20.0, 1024), 1000: (None, 2048)}}  # MB -> (seconds, peak MB)
START_TARGET_S = 3.0
WORD_RATIO = 3.0  # word-level ingestion time over character-level, same corpus


def build_corpus(path: Path, megabytes: int) -> int:
    """Standard-library sources, concatenated and repeated up to ``megabytes``."""
    sources = sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py"))
    target, written = megabytes * 1_000_000, 0
    with path.open("wb") as out:
        while written < target:
            for source in sources:
                data = source.read_bytes()
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                out.write(data)
                written += len(data)
                if written >= target:
                    break
    return written


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, KiB elsewhere
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def child_ingest(corpus: str, level: str) -> dict:
    from training.data.ingest import ingest_corpus

    started = time.perf_counter()
    result = ingest_corpus([corpus], level=level)
    wall = time.perf_counter() - started
    return {"wall": wall, "tokens": len(result.tokens), "peak_mb": _peak_mb(), "reused": result.reused}


def child_train(corpus: str, level: str, out: str) -> dict:
    import torch

    from training.common.events import Event, IngestEvent, StepEvent
    from training.loop.run_loop import train_models
    from training.loop.trainer import Trainer
    from training.run import prepare_run
    from training.run_spec import RunSpec

    torch.set_num_threads(2)
    # Torch imports its compiler stack (torch._dynamo) the first time a process makes an
    # optimizer: once per process, whatever the corpus. Timed here, apart from the run.
    optimizer_started = time.perf_counter()
    torch.optim.AdamW([torch.zeros(1, requires_grad=True)])
    first_optimizer = time.perf_counter() - optimizer_started
    step_began: list[float] = []
    first_step: list[float] = []
    ready: list[float] = []
    started = time.perf_counter()
    train_step = Trainer.train_step

    def timed_step(trainer: Trainer) -> None:
        if not step_began:
            step_began.append(time.perf_counter() - started)
        train_step(trainer)

    Trainer.train_step = timed_step  # type: ignore[method-assign]

    def on_event(event: Event) -> None:
        if isinstance(event, StepEvent) and not first_step:
            first_step.append(time.perf_counter() - started)
        if isinstance(event, IngestEvent) and event.stage == "reusing tokens":
            ready.append(time.perf_counter() - started)

    spec = RunSpec(
        paths=(corpus,),
        out_dir=Path(out),
        level=level,
        model_options={"hidden": 128, "embed": 64, "layers": 1},
        train_options={"steps": 20, "batch_size": 16, "seq_len": 64, "eval_tokens": 16384},
    )
    prepared = prepare_run(spec, on_event)
    results = train_models(prepared.trainers)
    wall = time.perf_counter() - started
    return {
        "first_optimizer": first_optimizer,
        "step_began": step_began[0],
        "first_step": first_step[0],
        "ready": ready[0] if ready else float("nan"),
        "wall": wall,
        "peak_mb": _peak_mb(),
        "reused": prepared.reused,
        "scored": results[0].tokens_scored,
    }


def _child(*args: str, env: dict[str, str]) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.ingest_speed", "--child", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _verdict(value: float, limit: float | None) -> str:
    return "" if limit is None else f"(target ≤ {limit:g}: " + ("met)" if value <= limit else "MISSED)")


def run(sizes: list[int], levels: list[str]) -> None:
    cpu = platform.processor() or platform.machine()
    print(f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}")
    work = Path(tempfile.mkdtemp(prefix="lstm-studio-ingest-"))
    char_times: dict[int, float] = {}
    try:
        for size in sizes:
            corpus = work / f"corpus-{size}mb.txt"
            actual = build_corpus(corpus, size)
            print(f"\n== {actual / 1e6:,.0f} MB of standard-library sources ==")
            for level in levels:
                cache = work / f"cache-{size}-{level}"
                env = {**os.environ, "LSTM_STUDIO_CACHE": str(cache), "PYTHONPATH": os.getcwd()}
                ing = _child("ingest", str(corpus), level, env=env)
                assert not ing["reused"], "the ingestion found tokens cached before it"
                seconds, peak = TARGETS.get("char", {}).get(size, (None, None))
                timing = f"{ing['wall']:7.1f} s {_verdict(ing['wall'], seconds)}"
                if level == "char":
                    char_times[size] = ing["wall"]
                elif size in char_times:
                    ratio = ing["wall"] / char_times[size]
                    timing = f"{ing['wall']:7.1f} s = {ratio:.1f}× char {_verdict(ratio, WORD_RATIO)}"
                memory = f"peak {ing['peak_mb']:5.0f} MB {_verdict(ing['peak_mb'], peak)}"
                rate = f"{ing['tokens'] / ing['wall'] / 1e6:5.2f} M tokens/s, {ing['tokens']:,} tokens"
                print(f"{level:>5} ingestion   {timing}  {memory}  {rate}")
                for label in ("20-step run", "second run"):
                    tr = _child("train", str(corpus), level, str(work / f"run-{size}-{level}"), env=env)
                    assert tr["reused"], "the run did not find the cached tokens"
                    began, ended = tr["step_began"], tr["first_step"]
                    print(
                        f"{level:>5} {label:<12} tokens ready {tr['ready']:4.2f} s, first step began "
                        f"{began:4.2f} s {_verdict(began, START_TARGET_S)}, ended {ended:4.2f} s "
                        f"{_verdict(ended, START_TARGET_S)}; 20 steps and validation "
                        f"({tr['scored']:,} tokens) {tr['wall']:5.1f} s; peak {tr['peak_mb']:5.0f} MB "
                        f"[before it: torch's first optimizer in the process {tr['first_optimizer']:.1f} s]"
                    )
                    shutil.rmtree(work / f"run-{size}-{level}", ignore_errors=True)
                shutil.rmtree(cache, ignore_errors=True)
            corpus.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest_speed")
    parser.add_argument("--sizes", default="100,1000", help="corpus sizes in MB (default: 100,1000)")
    parser.add_argument("--levels", default="char,word", help="token levels (default: char,word)")
    parser.add_argument("--shapes", help="files,sigint,huge,document: other shapes of corpus instead")
    parser.add_argument("--huge-gb", type=float, default=10.0, help="size of the huge corpus (default: 10)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_ingest(*rest) if kind == "ingest" else child_train(*rest)
        print(json.dumps(result))
        return
    if args.shapes:
        from benchmarks.common import hardware_line
        from benchmarks.ingest_shapes import run_shapes

        print(hardware_line())
        work = Path(tempfile.mkdtemp(prefix="lstm-studio-shapes-"))
        try:
            run_shapes(work, args.shapes.split(","), args.huge_gb)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    run([int(s) for s in args.sizes.split(",")], args.levels.split(","))


if __name__ == "__main__":
    main()
