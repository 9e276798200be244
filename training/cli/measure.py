"""Measurement subcommands join the CLI here: ``probe`` (long-range recall) and
``gradflow`` (vanishing gradients). With no DIR both measure the shipped demo models."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from training.checkpoints.checkpoint import resolve_path
from training.cli import exit_codes
from training.cli.args import HelpFormatter, positive_int
from training.demo.assets import demo_dir

DEMO_MODELS = ("lstm", "rnn")
GRADFLOW_REPORT_K = (1, 2, 5, 10, 20, 50, 100, 150, 200)  # the columns of the human-readable table


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


def _measure_text(path: Path | None) -> str:
    if path is None:
        from training.demo.demo_corpus import demo_measure_text

        return demo_measure_text()
    from training.data.corpus import load_corpus

    return load_corpus([path], min_chars=2).text


def cmd_gradflow(args: argparse.Namespace) -> int:
    from lstm_core.measure.gradflow import WARMUP, measure_gradient_flow
    from training.checkpoints.checkpoint import load_model

    text = _measure_text(args.text)
    rows = []
    for path in model_dirs(args.models):
        model, tokenizer, _ = load_model(path)
        ids = tokenizer.encode(text)
        if len(ids) < args.max_k + WARMUP + 1:
            raise MeasureError(
                f"{args.text or 'the text'}: {len(ids)} tokens for {model_name(path)}; "
                f"at least {args.max_k + WARMUP + 1} are needed for --max-k {args.max_k}"
            )
        norms = measure_gradient_flow(model, ids, max_k=args.max_k, windows=args.windows)
        rows.append((model_name(path), model.config.cell, norms))
    if args.json:
        out = [
            {"name": name, "cell": cell, "norms": {str(k): v for k, v in norms.items()}}
            for name, cell, norms in rows
        ]
        print(json.dumps({"models": out}))
        return exit_codes.OK
    shown = [k for k in GRADFLOW_REPORT_K if k <= args.max_k]
    print("gradient flow: mean ||d loss_t / d h_(t-k)|| over windows of real text")
    print(f"{'k':<12}" + "".join(f"{k:>10}" for k in shown))
    for name, _, norms in rows:
        print(f"{name:<12}" + "".join(f"{norms[k]:>10.2e}" for k in shown))
    return exit_codes.OK
