"""One document of hundreds of megabytes (a file, a line, a text without the separator) is
read in memory that does not grow with it: it peaked at 9.5 GB for a 1 GB file when each
document was joined into one string."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peak_memory import run_with_peak

DOCUMENT_MB = 200
SEPARATOR = "<<<EOD>>>"
SENTENCE = "the cat sees a hen near the river, and the owl finds a yak."


def _write_document(path: Path, mode: str, megabytes: float) -> int:
    """One document of about ``megabytes``, for ``mode``; its characters."""
    # Lines mode: no line break inside. The others: lines, but never the separator.
    block = (SENTENCE + (" " if mode == "lines" else "\n")) * 1000
    count = max(1, int(megabytes * 1e6) // len(block))
    with path.open("w", encoding="utf-8") as out:
        for _ in range(count):
            out.write(block)
    return count * len(block) - 1  # without the line break or space it ends with


def _peak(tmp_path: Path, mode: str, megabytes: float) -> tuple[dict, float, int]:
    folder = tmp_path / f"{mode.split(':')[0]}-{megabytes}"
    folder.mkdir()
    chars = _write_document(folder / "big.txt", mode, megabytes)
    # Two short documents after it, in any mode: a file of two lines, two texts cut apart.
    (folder / "small.txt").write_text(f"a hen\n{SEPARATOR}\nan owl\n", encoding="utf-8")
    code = (
        "from pathlib import Path\n"
        "from training.data.documents import DocumentMode\n"
        "from training.data.ingest import ingest_corpus\n"
        f"corpus = ingest_corpus([{str(folder)!r}], mode=DocumentMode.parse({mode!r}),"
        f" cache_dir=Path({str(folder / 'cache')!r}), chunk_bytes=1 << 20)\n"
        "result = {'documents': corpus.documents, 'tokens': len(corpus.tokens)}"
    )
    report, peak_mb = run_with_peak(code, timeout=600)
    return report, peak_mb, chars


@pytest.mark.parametrize("mode", ["files", "lines", f"separator:{SEPARATOR}"])
def test_a_document_of_hundreds_of_megabytes_costs_far_less_than_its_size(tmp_path: Path, mode: str) -> None:
    _, small_mb, _ = _peak(tmp_path, mode, 0.2)
    report, peak_mb, chars = _peak(tmp_path, mode, DOCUMENT_MB)
    assert report["documents"] >= 2 and report["tokens"] >= chars
    # Above what a small document costs (the interpreter, numpy, the tokenizers): joining the
    # document once is already DOCUMENT_MB, and the old way held it several times over.
    assert peak_mb - small_mb < 0.5 * DOCUMENT_MB, (peak_mb, small_mb)
