"""The copy check on a big corpus: building its index, and checking a text against it.

Builds a ~100 MB corpus of Python's standard-library sources (as ingest_speed does) in a
temporary folder, tokenises it at character level into a token cache there, then, in a
fresh process so that its peak memory is its own: builds the copy index over the
memory-mapped tokens, and checks a 2,000-character text holding a 300-character span
copied from the corpus. Prints wall times, the index's size and the peak resident memory.
The index is bounded by design (copy_index.MAX_ENTRIES positions, 16 bytes each).

    python -m benchmarks.copy_check_speed [--megabytes 100]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import row
from benchmarks.ingest_speed import _peak_mb, build_corpus

COPIED = 300
PEAK_TARGET_MB = 1024


def child(corpus: str, cache: str) -> dict:
    from training.copies.copy_check import CopyChecker
    from training.copies.copy_index import CopyIndex
    from training.data.ingest import ingest_corpus

    ingested = ingest_corpus([corpus], level="char", cache_dir=Path(cache))
    started = time.perf_counter()
    index = CopyIndex.build(ingested.tokens, ngram=12)
    built = time.perf_counter() - started
    with open(corpus, "rb") as handle:  # a span from the middle, without reading the whole text
        handle.seek(len(ingested.tokens) // 2)
        text = handle.read(4 * COPIED).decode("utf-8", errors="ignore")[COPIED // 2 :][:COPIED]
    noise = random.Random(0)
    query = "".join(noise.choice("qxzjvk QXZ") for _ in range(850)) + text
    query += "".join(noise.choice("qxzjvk QXZ") for _ in range(2000 - len(query)))
    checker = CopyChecker(index, ingested.tokenizer, (corpus,))
    started = time.perf_counter()
    report = checker.check(query)
    checked = time.perf_counter() - started
    return {
        "tokens": len(ingested.tokens),
        "reused": ingested.reused,
        "build_s": built,
        "index_mb": (index.hashes.nbytes + index.positions.nbytes) / 1e6,
        "stride": index.stride,
        "check_s": checked,
        "longest": report.longest.length if report.longest else 0,
        "source": report.longest.source if report.longest else "",
        "peak_mb": _peak_mb(),
    }


def _child(corpus: Path, cache: Path) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.copy_check_speed", "--child", str(corpus), str(cache)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(megabytes: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lstm-studio-copies-") as tmp:
        corpus, cache = Path(tmp) / "corpus.txt", Path(tmp) / "cache"
        size = build_corpus(corpus, megabytes)
        _child(corpus, cache)  # the first process ingests and fills the token cache
        figures = _child(corpus, cache)
    print(f"copy check on a {size / 1e6:.0f} MB character corpus ({figures['tokens']:,} tokens)", flush=True)
    row("index built over the memory-mapped tokens", f"{figures['build_s']:.1f} s")
    row("index size", f"{figures['index_mb']:.0f} MB", f"every {figures['stride']}th position")
    row("check of a 2,000-character text", f"{figures['check_s'] * 1000:.0f} ms")
    found = figures["longest"] >= COPIED
    row(
        f"longest copied span found (a {COPIED}-character copy)",
        f"{figures['longest']} chars",
        ("met" if found else "MISSED") + f" ({figures['source']})",
    )
    peak = figures["peak_mb"]
    row("peak resident memory", f"{peak:.0f} MB", ("met" if peak <= PEAK_TARGET_MB else "MISSED") + " ≤ 1 GB")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.copy_check_speed", description=__doc__)
    parser.add_argument("--megabytes", type=int, default=100, help="corpus size (default: 100)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
    else:
        run(args.megabytes)


if __name__ == "__main__":
    main()
