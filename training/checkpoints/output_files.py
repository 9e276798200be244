"""Files a person asked for, written whole or not at all, with errors that name them.

Each file is written under a temporary name beside it and renamed into place once every file
of the set is whole, so a full disk part-way leaves what was there untouched and no partial
file behind; the error says which file and why ("the disk is full"), where errno 28 alone
names none. Used by ``generate --output`` and the ONNX export.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

Writer = Callable[[Path], object]  # writes one whole file at the path it is given


class OutputWriteError(OSError):
    """A file the person asked for could not be written; the message names it and says why."""


# Errors that more space cures, not a retry: said in words, with the file, and what to do.
_NO_SPACE: dict[int, str] = {errno.ENOSPC: "the disk is full"}
if hasattr(errno, "EDQUOT"):  # not on Windows
    _NO_SPACE[errno.EDQUOT] = "the disk quota is used up"


def cannot_write(path: Path, err: OSError) -> str:
    """ "cannot write out/step.onnx: the disk is full (...)": errno 28 alone names no file."""
    if err.errno in _NO_SPACE:
        system_said = f" ({err.strerror.lower()})" if err.strerror else ""
        return f"cannot write {path}: {_NO_SPACE[err.errno]}{system_said}; free some space or write elsewhere"
    return f"cannot write {path}: {err.strerror or err}"


def write_files_whole(files: Mapping[Path, Writer]) -> None:
    """Each writer writes its file under a temporary name beside it; once all are written they
    are renamed into place. A full disk part-way leaves the files that were there untouched and
    no partial file behind. A device or a pipe (``--output /dev/stdout``) is written straight to."""
    renames: list[tuple[Path, Path, Path]] = []  # (temporary file, the file it becomes, as named)
    try:
        for path, write in files.items():
            with _named_write_errors(path):
                if path.exists() and not path.is_file():
                    write(path)
                    continue
                target = Path(os.path.realpath(path))  # through a link: replace its file, keep the link
                temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
                renames.append((temp, target, path))
                write(temp)
                if target.is_file():
                    os.chmod(temp, stat.S_IMODE(target.stat().st_mode))  # a replaced file keeps its mode
        for temp, target, named in renames:
            with _named_write_errors(named):
                os.replace(temp, target)
    finally:
        for temp, _, _ in renames:
            temp.unlink(missing_ok=True)  # only those not renamed are still there


@contextmanager
def _named_write_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as err:
        raise OutputWriteError(cannot_write(path, err)) from err
