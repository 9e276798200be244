"""Where ``lstm-studio generate`` writes its samples, and what it never writes over.

``--output`` replaces a file whole (``training.checkpoints.output_files``). Aimed by mistake at
the model it generates from, at another checkpoint of its run or at the text the model was
trained on, it would destroy them with a few lines of samples, so those are refused by name.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from training.checkpoints.checkpoint import resolve_path
from training.checkpoints.run_meta import RunMeta
from training.cli import early_signals
from training.cli.args import UsageError

if TYPE_CHECKING:
    from training.cli.samples import Output
    from training.copies.copy_check import CopyChecker


def refuse_protected_output(output: Path, model: str | Path, meta: RunMeta) -> None:
    """A UsageError when `output` is a checkpoint of the model's run folder or one of the
    files the model was trained on."""
    target = os.path.realpath(output)
    checkpoint = resolve_path(model)
    folder = Path(os.path.realpath(checkpoint.parent))
    if Path(target).parent == folder and Path(target).suffix == ".safetensors":
        raise UsageError(f"--output {output} is a checkpoint of the model's run; write the samples elsewhere")
    corpus = {os.path.realpath(meta.corpus.where_read(name)) for name in meta.corpus.files}
    if target in corpus:
        raise UsageError(f"--output {output} is a file the model was trained on; write the samples elsewhere")


@contextlib.contextmanager
def stop_on_ctrl_c() -> Iterator[Callable[[], bool]]:
    """While samples are generated, Ctrl+C ends them where they are (``stop()`` turns true)
    instead of throwing them away; a second Ctrl+C interrupts at once."""
    asked: list[int] = []

    def ask(signum: int, _frame: object) -> None:
        if asked:
            raise KeyboardInterrupt
        asked.append(signum)

    early_signals.stop_if_received()
    try:
        previous = signal.signal(signal.SIGINT, ask)
    except ValueError:  # not the main thread: Ctrl+C keeps its usual meaning
        yield lambda: False
        return
    try:
        yield lambda: bool(asked)
    finally:
        signal.signal(signal.SIGINT, previous)


def write_samples_whole(
    samples: Sequence[Output], args: argparse.Namespace, checker: CopyChecker | None
) -> None:
    """--output: the samples are formatted in memory (they are all there already), then the file
    is written whole, so a full disk leaves no half a file and its error names the file."""
    from training.checkpoints.output_files import write_files_whole
    from training.cli.samples import write_samples

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # what write_samples prints without --output
        write_samples(samples, argparse.Namespace(**{**vars(args), "output": None}), checker)
    text = printed.getvalue()
    write_files_whole({args.output: lambda path: path.write_text(text, encoding="utf-8")})
    print(f"{len(samples)} sample(s) written to {args.output}", file=sys.stderr)
