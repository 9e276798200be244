"""The first read of a corpus into the token cache holds a flat peak, whatever the corpus's
size: what reading frees goes back to the system (training/data/heap_trim.py), even under the
allocator settings a run starts with (no mmap, never trim)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from tests.peak_memory import run_with_peak

SMALL_MB, LARGE_MB = 40, 240
# Six times the text may cost a few chunks' blocks more, not the heap's slow growth: before
# the heap was trimmed, 240 MB peaked 150 MB above 40 MB (452 against 303 MB).
GROWTH_MB = 80


def _sources(megabytes: int = 20) -> bytes:
    """Python's own standard-library sources: text whose chunks vary as a person's do (some all
    ASCII, some not, some with CR LF), which is what splits the heap. Synthetic text of one
    kind throughout did not."""
    found, size = [], 0
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
        try:
            data = path.read_bytes()
            data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found.append(data)
        size += len(data)
        if size > megabytes * 1_000_000:
            return b"".join(found)
    pytest.skip("the standard library's sources are not here (a frozen or trimmed Python)")


def _corpus(path: Path, megabytes: int) -> Path:
    block = _sources()
    with path.open("wb") as out:
        for _ in range(megabytes * 1_000_000 // len(block) + 1):
            out.write(block)
    return path


def _first_read_peak(corpus: Path, cache: Path) -> float:
    code = (
        "from training.runtime.cpu_runtime import configure_cpu_runtime\n"
        "configure_cpu_runtime()\n"
        "from pathlib import Path\n"
        "from training.data.ingest import ingest_corpus\n"
        f"corpus = ingest_corpus([{str(corpus)!r}], cache_dir=Path({str(cache)!r}))\n"
        "result = corpus.reused\n"
    )
    reused, peak_mb = run_with_peak(code, timeout=300)
    assert reused is False
    return peak_mb


def test_the_peak_of_a_first_read_does_not_grow_with_the_corpus(tmp_path: Path) -> None:
    small = _first_read_peak(_corpus(tmp_path / "small.txt", SMALL_MB), tmp_path / "cache-small")
    large = _first_read_peak(_corpus(tmp_path / "large.txt", LARGE_MB), tmp_path / "cache-large")
    assert large - small < GROWTH_MB, (small, large)
