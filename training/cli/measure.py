"""Measurement subcommands join the CLI here: ``probe`` (long-range recall on the demo's
planted facts) and ``gradflow`` (vanishing gradients, and with --explode exploding ones).
With no DIR both measure the shipped demo models on the demo's text; a person's model is
measured on the text given, or else on the end of its own corpus when its checkpoint
names files that are still there. The readers of a bounded part of a text live here too.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lstm_core.measure.gradflow import DEFAULT_MAX_K, DEFAULT_WINDOWS, EXPLODE_FACTOR
from lstm_core.tokenizers import Tokenizer
from training.checkpoints.checkpoint import RNN_SUBDIR, resolve_path
from training.checkpoints.run_meta import RunMeta
from training.cli import exit_codes
from training.cli.args import HelpFormatter, positive_float, positive_int
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


def with_companion(path: Path) -> list[Path]:
    """The run itself, and its vanilla RNN when it was trained beside it."""
    folder = path.parent if path.suffix == ".safetensors" else path
    companion = folder / RNN_SUBDIR
    return [path, companion] if resolve_path(companion).is_file() else [path]


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
    grad.add_argument(
        "models", nargs="*", type=Path, metavar="DIR", help="run folders, each with its RNN (default: demo)"
    )
    grad.add_argument(
        "--text",
        type=Path,
        metavar="PATH",
        help="text to measure on (default: the end of each model's own corpus; the demo's text for the demo)",
    )
    grad.add_argument("--max-k", type=positive_int, default=DEFAULT_MAX_K, help="furthest step back")
    grad.add_argument("--windows", type=positive_int, default=DEFAULT_WINDOWS, help="windows averaged over")
    grad.add_argument(
        "--explode",
        type=positive_float,
        nargs="?",
        const=EXPLODE_FACTOR,
        metavar="FACTOR",
        help=f"also each vanilla RNN with its recurrent weights x FACTOR (default {EXPLODE_FACTOR:g})",
    )
    grad.add_argument("--json", action="store_true", help="print one JSON object")
    grad.set_defaults(handler=cmd_gradflow)


def cmd_probe(args: argparse.Namespace) -> int:
    from lstm_core.measure.probe import format_probe_table, probe_model
    from training.checkpoints.checkpoint import load_model
    from training.demo.demo_corpus import demo_probe_cases

    cases = demo_probe_cases(args.per_bucket, seed=args.seed)
    results, foreign = [], []
    for path in model_dirs(args.models):
        model, tokenizer, meta = load_model(path)
        results.append(probe_model(model, tokenizer, cases, name=model_name(path)))
        if not _on_demo_text(path, meta.corpus.name):
            foreign.append(model_name(path))
    if args.json:
        print(json.dumps({"models": [r.to_dict() for r in results], "not_trained_on_demo": foreign}))
        return exit_codes.OK
    print("long-range recall: accuracy of the greedy completion after 'I speak', by characters of filler")
    print(format_probe_table(results))
    if foreign:
        print(
            f"note: {', '.join(foreign)} {'was' if len(foreign) == 1 else 'were'} not trained on the demo "
            "corpus, whose facts the probe asks for: these scores say nothing of its memory "
            "(`lstm-studio recall` measures it on its own text)"
        )
    return exit_codes.OK


def _on_demo_text(path: Path, corpus_name: str) -> bool:
    """The shipped demo models, or a run trained on the demo corpus."""
    from training.demo.assets import assets_dir

    try:
        Path(path).resolve().relative_to(assets_dir().resolve())
        return True
    except ValueError:
        return corpus_name == "demo corpus"


@dataclass(frozen=True)
class TextStart:
    """The start of a text, as much of it as a measurement reads."""

    text: str
    whole: bool  # the text is all there is
    at_end: bool = False  # the end of the text rather than its start

    def describe(self, tokens: int) -> str:
        """ "the first 81,920 characters (20,000 tokens)", "the last ...", or "all 900 characters (..)"."""
        amount = "all" if self.whole else "the last" if self.at_end else "the first"
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


def read_end_tokens(paths: Sequence[Path], tokenizer: Tokenizer, tokens: int) -> TextStart:
    """The end of the text at ``paths`` (read in bounded memory, ``read_end``) that holds
    ``tokens`` tokens, or all of it when it is shorter."""
    from lstm_core.tokenizers import decode
    from training.data.text_end import read_end

    most = tokens * _CHARS_PER_TOKEN
    while True:
        text = read_end(list(paths), share=1.0, most_chars=most)
        if len(text) < most:
            return TextStart(text, whole=True, at_end=True)
        ids = tokenizer.encode(text)
        if len(ids) >= tokens:
            # Cut to the last `tokens` tokens, so that the characters described are those read.
            return TextStart(text[len(decode(tokenizer, ids[:-tokens])) :], whole=False, at_end=True)
        most *= 2


def own_corpus_end(meta: RunMeta, tokenizer: Tokenizer, tokens: int) -> tuple[TextStart, str] | None:
    """The end of the corpus the model was trained on, and its name in words; None when the
    checkpoint names no files or they are no longer all there. The trainer holds out stripes
    or whole files spread through the corpus, so most of this end is text it trained on."""
    from training.run_spec import own_corpus

    files = own_corpus(meta)
    if not files:
        return None
    part = read_end_tokens([Path(f) for f in files], tokenizer, tokens)
    named = Path(files[0]).name if len(files) == 1 else f"{len(files)} files"
    return part, f"its own corpus ({named}; mostly text it trained on)"


def text_for(
    path: Path | None, meta: RunMeta, tokenizer: Tokenizer, tokens: int, *, demo: bool
) -> tuple[TextStart, str]:
    """What a measurement reads: the start of ``path``, else the end of the model's own
    corpus, else (for the demo only) the demo's text; and its name in words."""
    if path is not None:
        return read_start(path, tokenizer, tokens), str(path)
    if demo:
        from training.demo.demo_corpus import demo_measure_text

        return TextStart(demo_measure_text(), whole=True), "the demo text"
    own = own_corpus_end(meta, tokenizer, tokens)
    if own is None:
        raise MeasureError(
            "the checkpoint does not name its corpus, or its files are not on this computer: "
            "give the text to measure on"
        )
    return own


def _gradflow_paths(args: argparse.Namespace) -> list[Path]:
    """The demo's two models, or each folder given followed by its RNN (once each)."""
    if not args.models:
        return model_dirs([])
    found: list[Path] = []
    for path in args.models:
        found += [p for p in with_companion(path) if p not in found]
    return found


def cmd_gradflow(args: argparse.Namespace) -> int:
    from lstm_core.measure.gradflow import WARMUP, GradientFlow, gradient_flow
    from training.checkpoints.checkpoint import load_model

    flows: list[GradientFlow] = []
    length = args.max_k + WARMUP + 1  # one window's tokens
    for path in _gradflow_paths(args):
        model, tokenizer, meta = load_model(path)
        wanted = length * args.windows * GRADFLOW_SPREAD
        part, where = text_for(args.text, meta, tokenizer, wanted, demo=not args.models)
        every = tokenizer.encode(part.text)
        ids = every[-wanted:] if part.at_end else every[:wanted]
        if len(ids) < length:
            raise MeasureError(
                f"{where}: {len(ids)} tokens for {model_name(path)}; "
                f"at least {length} are needed for --max-k {args.max_k}"
            )
        if len(ids) < len(every):  # read more than measured: say what was measured
            source = f"the {'last' if part.at_end else 'first'} {len(ids):,} tokens of {where}"
        else:
            source = f"{part.describe(len(ids))} of {where}"
        name = model_name(path)
        measure = {"source": source, "max_k": args.max_k, "windows": args.windows}
        flows.append(gradient_flow(model, ids, name=name, **measure))
        if args.explode is not None and model.config.cell == "rnn":
            flows.append(
                gradient_flow(model, ids, name=f"{name} x{args.explode:g}", scale=args.explode, **measure)
            )
    if args.json:
        print(json.dumps({"models": [f.to_dict() for f in flows], "text": flows[0].measured_on}))
        return exit_codes.OK
    shown = [k for k in GRADFLOW_REPORT_K if k <= args.max_k]
    print("gradient flow: mean ||d loss_t / d h_(t-k)||, the loss at the end of each window")
    for said in dict.fromkeys(f.measured_on for f in flows):
        print(f"measured on {said}")
    width = max(12, *(len(f.name) + 2 for f in flows))
    print(f"{'k':<{width}}" + "".join(f"{k:>10}" for k in shown))
    for f in flows:
        print(f"{f.name:<{width}}" + "".join(f"{f.norms[k]:>10.2e}" for k in shown))
    return exit_codes.OK
