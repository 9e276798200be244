"""The folder walk finds the files pathlib's rule found, in its order, with each file's stat
and resolved path, and a Stop lands while a large folder is still being walked."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from training.data import folder_walk
from training.data.corpus import expand_paths, list_files
from training.data.ingest import IngestCancelled, ingest_corpus


def _pathlib_rule(folder: Path) -> list[Path]:
    """What a folder's files were before the walk: sorted rglob, regular files, none hidden."""
    return [
        child
        for child in sorted(folder.rglob("*"))
        if child.is_file() and not any(part.startswith(".") for part in child.relative_to(folder).parts)
    ]


def _tree(root: Path) -> Path:
    folder = root / "corpus"
    names = [
        "a.txt",
        "a/b.txt",  # "a/b.txt" sorts before "a-c.txt" part by part, after it as a string
        "a-c.txt",
        "a/deeper/z.txt",
        "B.txt",
        ".hidden.txt",
        ".hidden/inside.txt",
        "sub/.also-hidden.txt",
        "sub/kept.txt",
        "x y/with space.txt",
        "ünï/cödé.txt",
    ]
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"{name}\n", encoding="utf-8")
    (folder / "empty-folder").mkdir()
    if sys.platform != "win32":
        os.symlink(folder / "sub" / "kept.txt", folder / "linked.txt")  # a linked file is read
        os.symlink(folder / "a", folder / "linked-folder")  # a linked folder is not entered
        os.symlink(folder / "gone.txt", folder / "broken.txt")  # a broken link is left out
        os.mkfifo(folder / "pipe")  # not a regular file: left out, never opened
    return folder


@pytest.mark.parametrize("spelling", ["absolute", "relative", "dot", "trailing slash"])
def test_the_walk_finds_what_pathlib_found_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    folder = _tree(tmp_path)
    monkeypatch.chdir(tmp_path if spelling != "dot" else folder)
    given = {
        "absolute": str(folder),
        "relative": "corpus",
        "dot": ".",
        "trailing slash": "corpus" + os.sep,
    }[spelling]
    expected = _pathlib_rule(Path(given))
    assert len(expected) >= 8
    listed = list_files([given])
    assert [f.path for f in listed] == [str(p) for p in expected]
    assert expand_paths([given]) == [(p, False) for p in expected]
    for found in listed:
        assert found.real == str(Path(found.path).resolve())
        assert found.stat == os.stat(found.path)
        assert stat.S_ISREG(found.stat.st_mode) and not found.named


def test_a_file_named_directly_comes_with_its_stat(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("text\n", encoding="utf-8")
    (found,) = list_files([path])
    assert found.named and found.path == str(path) and found.stat == path.stat()


def test_a_stop_lands_while_a_large_folder_is_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "many"
    for i in range(40):
        sub = folder / f"part{i:02d}"
        sub.mkdir(parents=True)
        for j in range(40):
            (sub / f"n{j:02d}.txt").write_text(f"note {i} {j}: the kettle sang.\n", encoding="utf-8")
    listed: list[object] = []
    real_scandir = os.scandir

    def counted(path: object = ".") -> object:
        listed.append(path)
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", counted)
    with pytest.raises(IngestCancelled):
        ingest_corpus([folder], cache_dir=tmp_path / "cache", cancelled=lambda: True)
    # Stopped within CHECK_EVERY entries: most of the 41 folders were never listed.
    assert len(listed) <= folder_walk.CHECK_EVERY // 40 + 2
