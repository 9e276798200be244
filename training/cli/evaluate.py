"""``lstm-studio evaluate``: score a trained model on text, all of it unless capped.

Ctrl+C while scoring ends it at the next chunk and prints what was scored so far (exit 130);
a second Ctrl+C ends it at once.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer
from training.checkpoints.run_meta import RunMeta
from training.cli import early_signals, exit_codes
from training.cli.args import HelpFormatter, positive_int
from training.loop.evaluate import EvalResult
from training.resume_check import unknown_share


def add_evaluate_command(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser(
        "evaluate",
        help="loss, bits per character and perplexity on text",
        description=(
            "Score a model on text: nats per token, bits per character and perplexity. The text "
            "is tokenised once into the token cache, so scoring it again starts at once; the "
            "cache keeps to $LSTM_STUDIO_CACHE_MAX_GB gigabytes (default 20), least recently "
            "used corpora going first. Ctrl+C gives the result of the tokens scored so far."
        ),
        formatter_class=HelpFormatter,
    )
    ev.add_argument("model", type=Path, metavar="DIR", help="a run folder or checkpoint file")
    ev.add_argument("paths", nargs="+", metavar="PATH", help="text files or folders to score")
    ev.add_argument(
        "--max-tokens",
        type=positive_int,
        metavar="N",
        help="score an evenly spread sample of about N tokens (default: every token)",
    )
    ev.add_argument("--json", action="store_true", help="print one JSON object, and no progress bar")
    ev.set_defaults(handler=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from training.checkpoints.checkpoint import load_model
    from training.cli.progress import ProgressReporter
    from training.data.corpus import CorpusError
    from training.data.ingest import ingest_corpus
    from training.loop.evaluate import evaluate_tokens

    model, tokenizer, meta = load_model(args.model)
    if isinstance(tokenizer, DocumentTokenizer):
        return _evaluate_documents(args, model, tokenizer, meta)
    reporter = ProgressReporter(enabled=not args.json)
    try:
        corpus = ingest_corpus(args.paths, tokenizer=tokenizer, on_event=reporter, min_chars=2)
    finally:
        reporter.close()  # clear the corpus bar: an error gets a line of its own
    if len(corpus.tokens) < 3:
        raise CorpusError(f"{', '.join(args.paths)}: too little text to evaluate")
    for caveat in _caveats(corpus.tokens, corpus.fingerprint, tokenizer, meta):
        print(f"note: {caveat}", file=sys.stderr)
    running = _RunningLoss(chars=corpus.chars, tokens=len(corpus.tokens))
    with (
        _bar(args, "scoring", "tok") as progress,
        _stop_on_ctrl_c(progress) as on_progress,
        running.hear(model),
    ):
        try:
            result = evaluate_tokens(
                model, corpus.tokens, chars=corpus.chars, max_tokens=args.max_tokens, on_progress=on_progress
            )
        except _Stopped as stopped:
            _print_partial(args, running.result(), planned=stopped.total, total=len(corpus.tokens))
            return exit_codes.INTERRUPTED
    _print(args, result, total=len(corpus.tokens))
    return exit_codes.OK


# A share of <unk> above this makes a loss that says little about the model: every unknown
# character or word is scored as the one <unk> token, which it learnt to expect.
NOTABLE_UNKNOWN = 0.05


def _caveats(tokens: np.ndarray, fingerprint: str, tokenizer: Tokenizer, meta: RunMeta) -> list[str]:
    """What makes this score flatter or mislead, as training says it of its own validation."""
    said = []
    unknown = unknown_share(tokens, tokenizer)
    if unknown > NOTABLE_UNKNOWN:
        said.append(
            f"{unknown:.1%} of this text's tokens are <unk>, outside the model's vocabulary: "
            "they are scored as one token and the loss says little about the rest"
        )
    if meta.corpus.fingerprint and fingerprint == meta.corpus.fingerprint:
        said.append(
            "this is the text the model was trained on: most of it was seen in training, and "
            "the loss flatters the model (its run's validation loss is the honest figure)"
        )
    return said


class _Stopped(Exception):
    """Ctrl+C was heard: scoring ends at a chunk's end, with ``done`` of ``total`` tokens scored."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"stopped after {done} of {total} tokens")
        self.done, self.total = done, total


@contextmanager
def _stop_on_ctrl_c(progress: Callable[[int, int], None]) -> Iterator[Callable[[int, int], None]]:
    """A progress callback that raises _Stopped at the first chunk's end after a Ctrl+C: the
    chunk being scored finishes, so what was scored can be given. A second Ctrl+C ends at once
    (KeyboardInterrupt), for a chunk that takes too long."""
    heard: list[int] = []

    def on_progress(done: int, total: int) -> None:
        progress(done, total)
        if heard:
            raise _Stopped(done, total)

    def on_signal(signum: int, frame: Any) -> None:
        if heard:
            raise KeyboardInterrupt
        heard.append(signum)

    if threading.current_thread() is not threading.main_thread():
        yield progress  # only the main thread may set a handler; Ctrl+C is its to hear anyway
        return
    early_signals.stop_if_received()
    previous = signal.signal(signal.SIGINT, on_signal)
    try:
        yield on_progress
    finally:
        signal.signal(signal.SIGINT, previous)


class _RunningLoss:
    """The stream scorer's loss so far, as it sums it: each chunk's mean loss times its targets.

    Heard from the model's own forward (``targets`` given, ``loss`` returned), because
    ``evaluate_tokens`` gives its sum only when it returns; a partial result needs it before."""

    def __init__(self, *, chars: int, tokens: int) -> None:
        self.chars, self.tokens = chars, tokens  # of the whole text, as evaluate_tokens takes them
        self.sums = (0.0, 0)  # (nats, targets): one assignment, so a signal never splits them

    @contextmanager
    def hear(self, model: LanguageModel) -> Iterator[None]:
        handle = model.register_forward_hook(self._chunk, with_kwargs=True)
        try:
            yield
        finally:
            handle.remove()

    def _chunk(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> None:
        targets = args[2] if len(args) > 2 else kwargs.get("targets")
        if isinstance(targets, torch.Tensor) and out.loss is not None:
            nats = float(out.loss) * targets.numel()
            self.sums = (self.sums[0] + nats, self.sums[1] + targets.numel())

    def result(self) -> EvalResult:
        """The figures of the tokens scored so far, with evaluate_tokens' own formulas."""
        nats, count = self.sums
        loss = nats / max(1, count)
        scored_chars = self.chars * count / max(1, self.tokens - 1)
        bits = nats / math.log(2) / scored_chars if scored_chars else math.nan
        return EvalResult(loss, math.exp(min(loss, 50.0)), bits, count)


@contextmanager
def _bar(
    args: argparse.Namespace, desc: str, unit: str, *, eta: bool = True
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr fed (done, total); none with --json or off a terminal. Without
    ``eta`` it shows no time left: for work whose rate changes as it goes, any guess from the
    rate so far would be wrong."""
    from tqdm import tqdm

    shape = {} if eta else {"bar_format": "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}, {rate_fmt}]"}
    with tqdm(
        total=0,
        unit=unit,
        unit_scale=True,
        desc=desc,
        file=sys.stderr,
        disable=True if args.json else None,  # None: only on a terminal
        leave=False,
        **shape,
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield progress


def _evaluate_documents(
    args: argparse.Namespace, model: LanguageModel, tokenizer: DocumentTokenizer, meta: RunMeta
) -> int:
    """A model trained on documents scores each document from its own start, cut as in training.

    The documents are encoded a batch at a time into a token file of their own and scored from
    its memory map, so memory stays flat whatever the text's size. Not the run's token cache:
    that keeps each repeated document once and needs two, and a text scored is scored whole."""
    from training.data.corpus import expand_paths
    from training.data.documents import DocumentMode
    from training.data.ingest_documents import write_document_tokens
    from training.loop.document_eval import evaluate_documents

    mode = DocumentMode.parse(meta.corpus.documents)
    total_bytes = sum(path.stat().st_size for path, _ in expand_paths(args.paths))
    with tempfile.TemporaryDirectory(prefix="lstm-studio-evaluate-") as folder:
        with _bar(args, "tokenising", "B") as progress:
            read = 0

            def on_bytes(count: int) -> None:
                nonlocal read
                read += count
                progress(read, total_bytes)

            docs = write_document_tokens(
                args.paths, tokenizer, mode, Path(folder) / "tokens.bin", on_bytes=on_bytes
            )
        # Documents are scored shortest first, so the tokens scored per second climb through a
        # run (4.5x on lines of Python): an ETA from the rate so far said 54 s for 12 s of work.
        result: EvalResult | None = None
        stopped: _Stopped | None = None
        with _bar(args, "scoring", "tok", eta=False) as progress, _stop_on_ctrl_c(progress) as on_progress:
            try:
                result = evaluate_documents(
                    model,
                    docs.tokens,
                    eod_id=tokenizer.vocab_size - 1,
                    chars=docs.chars,
                    max_tokens=args.max_tokens,
                    on_progress=on_progress,
                )
            except _Stopped as heard:
                stopped = heard
        total = len(docs.tokens)
        del docs  # the memory map closes before its folder goes (Windows refuses otherwise)
    if stopped is not None or result is None:
        # evaluate_documents keeps its sum of the loss to itself until it returns: the count alone.
        done, planned = (stopped.done, stopped.total) if stopped is not None else (0, 0)
        _print_partial(args, None, planned=planned, total=total, done=done)
        return exit_codes.INTERRUPTED
    _print(args, result, total=total)
    return exit_codes.OK


def _print_partial(
    args: argparse.Namespace, result: EvalResult | None, *, planned: int, total: int, done: int = 0
) -> None:
    """What Ctrl+C leaves: the figures of the tokens scored so far, and how many of how many."""
    scored = result.tokens if result is not None else done
    if args.json:
        figures = result.to_dict() if result is not None else {"tokens": scored}
        print(json.dumps({**figures, "interrupted": True, "planned_tokens": planned}))
        return
    where = f"({scored:,} of the {planned:,} tokens to score, of {total:,})"
    if result is None:
        print(f"interrupted: {where}; a documents model's loss is known only at the end")
        return
    print(
        f"interrupted: loss {result.loss_nats:.4f} nats/token   {result.bits_per_char:.4f} bits/char   "
        f"perplexity {result.perplexity:.2f}   {where}"
    )


def _print(args: argparse.Namespace, result: EvalResult, *, total: int) -> None:
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(
            f"loss {result.loss_nats:.4f} nats/token   {result.bits_per_char:.4f} bits/char   "
            f"perplexity {result.perplexity:.2f}   ({result.tokens:,} of {total:,} tokens)"
        )
