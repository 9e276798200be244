"""The first stage of reading a corpus: which files it holds, and what each one's bytes are.

    paths --walk--> files, with their stats --scans.json--> remembered scans
                                            --hash--------> the rest (sha256, encoding)

The walk (``folder_walk``) stats every file once; a file whose stat is the one scans.json
remembers is not opened (``token_scans``), so a warm start on 50,000 files reads none of
them. Each stage reports progress with an ETA and checks for the person's Stop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from training.common.events import EventCallback, IngestEvent
from training.data import token_scans as scans
from training.data.corpus import list_files, readable_files
from training.data.folder_walk import CHECK_EVERY, ListedFile
from training.data.heap_trim import HeapTrim
from training.data.read_progress import IngestCancelled, ReadProgress
from training.data.text_stream import CHUNK_BYTES, ScannedFile, scan_file

REPORT_EVERY_S = 0.1  # ten updates a second are plenty for a bar
# Bytes read between looks at the heap (``heap_trim``): each chunk of a large file, every few
# hundred files of a folder of small ones (a look per file read /proc 50,000 times, 1 s).
HEAP_CHECK_BYTES = CHUNK_BYTES


def stage_progress(
    name: str, total: int, on_event: EventCallback, cancelled: Callable[[], bool]
) -> ReadProgress:
    """One stage's progress as IngestEvents with an ETA: as it starts, then ten times a second."""

    def report(progress: ReadProgress) -> None:
        done, elapsed = progress.done, time.perf_counter() - progress.started
        eta = elapsed * (progress.total - done) / done if done and elapsed > 0.2 else None
        on_event(IngestEvent(name, done, progress.total, elapsed, eta))

    stage = ReadProgress(total, report, stopped=cancelled, every_s=REPORT_EVERY_S)
    stage.show()
    return stage


def per_chunk(stage: ReadProgress, heap: HeapTrim) -> Callable[[int], None]:
    """What a reader calls with each chunk's bytes: the stage's progress, and the heap trimmed
    when it has grown (``heap_trim``: else the first read's peak grows with the corpus)."""
    unchecked = [0]  # bytes read since the heap was last looked at

    def on_bytes(count: int) -> None:
        stage.add(count)
        unchecked[0] += count
        if unchecked[0] >= HEAP_CHECK_BYTES:
            unchecked[0] = 0
            heap.check()

    return on_bytes


def scan_corpus(
    paths: Sequence[str | Path],
    root: Path,
    on_event: EventCallback,
    cancelled: Callable[[], bool],
    heap: HeapTrim,
) -> tuple[list[tuple[ScannedFile, bool]], list[str]]:
    """Each readable file's scan, with whether it was named directly, and the warnings for
    the files skipped. Files unchanged since scans.json saw them are not read; the others
    are hashed and remembered there."""
    files = list_files(paths, cancelled=cancelled)
    remembered = scans.known_scans(root)
    known: list[ScannedFile | None] = []
    for i, listed in enumerate(files):
        if i % CHECK_EVERY == 0 and cancelled():
            raise IngestCancelled("stopped while reading the corpus")
        known.append(scans.known_scan(remembered, listed))
    todo = sum(listed.stat.st_size for listed, scan in zip(files, known, strict=True) if scan is None)
    stage = stage_progress("checking files", todo, on_event, cancelled)
    on_bytes = per_chunk(stage, heap)
    stamps: dict[str, scans.FileStamp] = {}  # the files hashed now, by path

    def scan(item: tuple[ListedFile, ScannedFile | None]) -> tuple[ListedFile, ScannedFile]:
        listed, remembered_scan = item
        if remembered_scan is not None:
            return listed, remembered_scan
        stamps[listed.path] = scans.stamp(listed)
        return listed, scan_file(listed.path, on_bytes=on_bytes)

    skipped: list[str] = []
    found = [((listed, scan), listed.named) for listed, scan in zip(files, known, strict=True)]
    scanned = [pair for pair, _ in readable_files(found, scan, skipped)]
    stage.end()
    if stamps:
        scans.remember_scans(root, scanned, stamps, remembered)
    return [(scan, listed.named) for listed, scan in scanned], skipped


def without_duplicates(
    scanned: list[tuple[ScannedFile, bool]],
) -> tuple[list[tuple[ScannedFile, bool]], list[str]]:
    """Each file's bytes once: a later file with the same digest is left out (a folder holding a
    text twice would otherwise put one copy in training and the other in the held-out text)."""
    seen: set[str] = set()
    kept, dropped = [], []
    for scan, named in scanned:
        if scan.digest in seen:
            dropped.append(scan.path)
        else:
            seen.add(scan.digest)
            kept.append((scan, named))
    return kept, dropped
