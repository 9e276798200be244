"""Ctrl+C before the first step ends `lstm-studio train` at once, from whatever stage of
preparing the run it lands in, with nothing trained or saved; after it, a step and a save."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import training.run as run
from training.checkpoints.checkpoint import has_checkpoint
from training.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
TINY = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16", "--steps", "3"]


@pytest.fixture(autouse=True)
def _handlers_restored() -> Iterator[None]:
    """The command installs its own stop handlers; the test process gets its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_stop_after_the_corpus_is_read_ends_the_command_at_once(
    corpus_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = run.refuse_if_too_large
    went_on: list[str] = []

    def signalled_here(*args: Any, **kwargs: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # as Ctrl+C lands, between two lines of Python
        went_on.append("the check after the signal ran")  # the handler raised before this
        real(*args, **kwargs)

    monkeypatch.setattr(run, "refuse_if_too_large", signalled_here)
    _trains_nothing_and_says_why(corpus_file, tmp_path, capsys)
    assert went_on == []


def test_a_stop_whose_exception_was_swallowed_still_ends_before_the_first_step(
    corpus_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = run.refuse_if_too_large

    def swallowed_here(*args: Any, **kwargs: Any) -> None:
        try:  # as Python drops an exception raised in a weakref callback
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(1000))  # a few lines of Python, where the handler runs
        except BaseException:  # swallowed: what the test is about
            pass
        real(*args, **kwargs)

    monkeypatch.setattr(run, "refuse_if_too_large", swallowed_here)
    _trains_nothing_and_says_why(corpus_file, tmp_path, capsys)


def _trains_nothing_and_says_why(
    corpus_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lstm-studio train` stopped by a SIGINT before its first step: code 130, the line that
    says so, and no checkpoint."""
    out = tmp_path / "m"
    code = main(["train", str(corpus_file), "--out", str(out), *TINY])
    assert code == 130
    assert "stopped by SIGINT before the first step; nothing was trained" in capsys.readouterr().err
    assert not has_checkpoint(out)


def test_a_stop_swallowed_while_the_command_loads_ends_it_before_the_first_step(
    corpus_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import training.cli as cli

    real = cli.build_parser

    def loading_swallows_it() -> Any:
        try:  # as importing torch drops an exception raised in one of its weakref callbacks
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(1000))  # a few lines of Python, where the handler runs
        except BaseException:  # swallowed: what the test is about
            pass
        return real()

    monkeypatch.setattr(cli, "build_parser", loading_swallows_it)
    _trains_nothing_and_says_why(corpus_file, tmp_path, capsys)
