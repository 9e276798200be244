"""`generate --prompt-file`: a prompt longer than a command line can hold, from a file or
standard input; a file that cannot be read is one line naming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from training.cli import main

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "assets" / "demo" / "lstm"
# Above Linux's limit of 128 KiB for one argument: this prompt cannot be given with --prompt.
LONG_PROMPT = "the cat sat on the mat. " * 6000


def test_a_prompt_longer_than_an_argument_comes_from_a_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "prompt.txt"
    path.write_text(LONG_PROMPT, encoding="utf-8")
    assert len(path.read_bytes()) > 128 * 1024
    assert main(["generate", str(DEMO), "--prompt-file", str(path), "--length", "5", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(LONG_PROMPT) and len(out) > len(LONG_PROMPT)


def test_a_dash_reads_the_prompt_from_standard_input() -> None:
    cmd = [sys.executable, "-m", "app", "generate", str(DEMO), "--prompt-file", "-", "--length", "5"]
    result = subprocess.run(cmd, cwd=REPO, input="ROMEO: café".encode(), capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8").startswith("ROMEO: café")


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda folder: folder / "missing.txt", "cannot read {path}: No such file"),
        (lambda folder: folder, "cannot read {path}"),
        (lambda folder: _write(folder / "latin1.txt", "café".encode("latin-1")), "{path} is not UTF-8"),
    ],
    ids=["missing", "a folder", "not UTF-8"],
)
def test_a_prompt_file_that_cannot_be_read_is_one_line_naming_it(
    make, needle, tmp_path: Path, capsys
) -> None:
    path = make(tmp_path)
    assert main(["generate", str(DEMO), "--prompt-file", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert needle.format(path=path) in err and "\n" not in err and "Traceback" not in err


def test_prompt_and_prompt_file_together_is_a_usage_error(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path / "prompt.txt", b"the cat")
    assert main(["generate", str(DEMO), "--prompt", "the dog", "--prompt-file", str(path)]) == 2
    assert "not allowed with argument --prompt" in capsys.readouterr().err


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
