"""Measurement subcommands join the CLI here: ``probe`` (long-range recall) and
``gradflow`` (vanishing gradients). With no DIR both measure the shipped demo models."""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lstm_core.tokenizers import Tokenizer
from training.checkpoints.checkpoint import resolve_path
from training.cli import exit_codes
from training.cli.args import HelpFormatter, positive_int
from training.demo.assets import demo_dir

DEMO_MODELS = ("lstm", "rnn")
GRADFLOW_REPORT_K = (1, 2, 5, 10, 20, 50, 100, 150, 200)  # the columns of the human-readable table
# gradflow's windows are spread over the start of the text that holds this many times their
# tokens: apart enough to sample different passages, without reading a corpus of any size.
GRADFLOW_SPREAD = 8
_START_CHUNK_BYTES = 1 << 20  # read at a time for the start of a text: a measurement needs kilobytes
_CHARS_PER_TOKEN = 4  # a first guess at the text a token needs; doubled until it is enough


class MeasureError(ValueError):
    """Nothing to measure; the message says what is missing and how to get it."""


def model_dirs(dirs: Sequence[Path]) -> list[Path]:
    """The folders to measure: those given, or the shipped demo LSTM and RNN."""
    if dirs:
        return list(dirs)
    demo = demo_dir()
    found = [demo / name for name in DEMO_MODELS]
    missing = [str(d) for d in found if not resolve_path(d).exists()]
    if missing:
        raise MeasureError(
            f"no demo model in {', '.join(missing)}; build them with: python -m training.demo.build_demo"
        )
    return found


def model_name(path: Path) -> str:
    """A run folder is named after itself; a checkpoint file after its folder."""
    return (path.parent if path.suffix == ".safetensors" else path).name


def add_measure_commands(sub: argparse._SubParsersAction) -> None:
    """Registers measurement commands; each sets ``handler`` on its parser."""
    probe = sub.add_parser(
        "probe",
        help="long-range recall by distance (default: the demo models)",
        description="Accuracy of recalling a fact stated earlier, by the distance since it was stated.",
        formatter_class=HelpFormatter,
    )
    probe.add_argument(
        "models", nargs="*", type=Path, metavar="DIR", help="run folders (default: the demo's)"
    )
    probe.add_argument("--per-bucket", type=positive_int, default=60, help="probe cases per bucket")
    probe.add_argument("--seed", type=int, default=10_000, help="generator seed of the probe cases")
    probe.add_argument("--json", action="store_true", help="print one JSON object")
    probe.set_defaults(handler=cmd_probe)

    grad = sub.add_parser(
        "gradflow",
        help="gradient norm vs distance k (default: the demo models)",
        description="How much gradient reaches k tokens back: |d loss_t / d h_(t-k)|.",
        formatter_class=HelpFormatter,
    )
    grad.add_argument("models", nargs="*", type=Path, metavar="DIR", help="run folders (default: demo)")
    grad.add_argument("--text", type=Path, metavar="PATH", help="text to measure on (default: demo text)")
    grad.add_argument("--max-k", type=positive_int, default=200, help="furthest step back")
    grad.add_argument("--windows", type=positive_int, default=16, help="windows averaged over")
    grad.add_argument("--json", action="store_true", help="print one JSON object")
    grad.set_defaults(handler=cmd_gradflow)


def cmd_probe(args: argparse.Namespace) -> int:
    from lstm_core.measure.probe import format_probe_table, probe_model
    from training.checkpoints.checkpoint import load_model
    from training.demo.demo_corpus import demo_probe_cases

    cases = demo_probe_cases(args.per_bucket, seed=args.seed)
    results = []
    for path in model_dirs(args.models):
        model, tokenizer, _ = load_model(path)
        results.append(probe_model(model, tokenizer, cases, name=model_name(path)))
    if args.json:
        print(json.dumps({"models": [r.to_dict() for r in results]}))
        return exit_codes.OK
    print("long-range recall: accuracy of the greedy completion after 'I speak', by characters of filler")
    print(format_probe_table(results))
    return exit_codes.OK


@dataclass(frozen=True)
class TextStart:
    """The start of a text, as much of it as a measurement reads."""

    text: str
    whole: bool  # the text is all there is

    def describe(self, tokens: int) -> str:
        """ "the first 81,920 characters (20,000 tokens)", or "all 900 characters (..)"."""
        amount = "all" if self.whole else "the first"
        return f"{amount} {len(self.text):,} characters ({tokens:,} tokens)"

    def to_dict(self, tokens: int) -> dict[str, Any]:
        return {"chars": len(self.text), "tokens": tokens, "whole": self.whole}


def read_start(path: Path, tokenizer: Tokenizer, tokens: int) -> TextStart:
    """The start of the text at ``path`` (read as ``load_corpus`` joins it, a piece at a time)
    that holds at least ``tokens`` tokens, or all of it when it is shorter: a measurement
    needs thousands of tokens, and a corpus of gigabytes is never held whole."""
    from lstm_core.chunking import last_cut
    from training.data import corpus_messages as say
    from training.data.corpus import CorpusError, expand_paths, readable_files
    from training.data.text_stream import StreamReport, scan_file, stream_text

    warnings: list[str] = []
    scanned = list(readable_files(expand_paths([path]), scan_file, warnings))
    if not scanned:
        raise CorpusError(say.no_readable_files([path]))
    held: list[str] = []
    size, wanted = 0, tokens * _CHARS_PER_TOKEN
    pieces = stream_text(scanned, StreamReport([], warnings), chunk_bytes=_START_CHUNK_BYTES)
    for piece in itertools.chain(pieces, [None]):  # None: the text has ended
        if piece is not None:
            held.append(piece)
            size += len(piece)
            if size < wanted:
                continue
        text = "".join(held)
        held = [text]
        while wanted <= len(text):
            # At a safe cut the ids are those of the whole text; a text with none (no spaces
            # at all) is cut where it is, which can change the last token or two, no more.
            start = text[: last_cut(text[:wanted]) or wanted]
            if len(tokenizer.encode(start)) >= tokens:
                return TextStart(start, whole=False)
            wanted *= 2
    text = "".join(held)
    if len(text) < 2:
        raise CorpusError(say.too_short([str(path)], len(text), 2))
    return TextStart(text, whole=True)


def _measure_ids(path: Path | None, tokenizer: Tokenizer, tokens: int) -> tuple[list[int], str]:
    """The ids measured on (at most ``tokens``) and where they come from, in words."""
    if path is None:
        from training.demo.demo_corpus import demo_measure_text

        return tokenizer.encode(demo_measure_text()), "the demo text"
    start = read_start(path, tokenizer, tokens)
    ids = tokenizer.encode(start.text)[:tokens]
    return ids, f"{start.describe(len(ids))} of {path}"


def cmd_gradflow(args: argparse.Namespace) -> int:
    from lstm_core.measure.gradflow import WARMUP, measure_gradient_flow
    from training.checkpoints.checkpoint import load_model

    rows, source = [], ""
    length = args.max_k + WARMUP + 1  # one window's tokens
    for path in model_dirs(args.models):
        model, tokenizer, _ = load_model(path)
        ids, source = _measure_ids(args.text, tokenizer, length * args.windows * GRADFLOW_SPREAD)
        if len(ids) < length:
            raise MeasureError(
                f"{args.text or 'the text'}: {len(ids)} tokens for {model_name(path)}; "
                f"at least {length} are needed for --max-k {args.max_k}"
            )
        norms = measure_gradient_flow(model, ids, max_k=args.max_k, windows=args.windows)
        rows.append((model_name(path), model.config.cell, norms))
    if args.json:
        out = [
            {"name": name, "cell": cell, "norms": {str(k): v for k, v in norms.items()}}
            for name, cell, norms in rows
        ]
        print(json.dumps({"models": out, "text": source}))
        return exit_codes.OK
    shown = [k for k in GRADFLOW_REPORT_K if k <= args.max_k]
    print(f"gradient flow: mean ||d loss_t / d h_(t-k)|| over windows of {source}")
    print(f"{'k':<12}" + "".join(f"{k:>10}" for k in shown))
    for name, _, norms in rows:
        print(f"{name:<12}" + "".join(f"{norms[k]:>10.2e}" for k in shown))
    return exit_codes.OK
