"""``lstm-studio context``, ``units`` and ``recall``: the measurements on a person's own text.

``context`` asks how far back a model looks (the loss when it may see only the last k
tokens); ``units`` which single units track a property of the text; ``recall`` whether a
word that comes back costs less the second time, by how far back it was. Each reads one
run folder and a bounded part of one text, only as much as it measures on (and says how
much): ``context`` and ``units`` its start, ``recall`` its end (the trainer's held-out text
lies towards the end). ``context`` and ``recall`` also measure the run's vanilla RNN when it
has one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lstm_core.measure.context import CONTEXT_KS, SCORED_TOKENS, STRIDE, WITHIN
from lstm_core.measure.recurrence import MAX_TOKENS as RECALL_TOKENS
from lstm_core.measure.recurrence import WINDOW
from lstm_core.measure.units import MAX_TOKENS, TOP
from training.checkpoints.checkpoint import resolve_path
from training.cli import exit_codes
from training.cli.args import HelpFormatter, positive_int
from training.cli.measure import MeasureError, model_name, own_corpus_end, read_end_tokens, read_start
from training.cli.measure import with_companion as _with_companion


def add_insight_commands(sub: argparse._SubParsersAction) -> None:
    ctx = sub.add_parser(
        "context",
        help="how far back the model looks: loss seeing only the last k tokens",
        description=(
            "Loss on TEXT when the model may see only the last k tokens before each scored token "
            f"(k = {', '.join(map(str, CONTEXT_KS))}, capped by the text), against the loss with the "
            f"state carried from the start. 'Uses about N tokens': the smallest k within {WITHIN:.0%} "
            "of the full-context loss. A run with a vanilla RNN beside it is measured with it."
        ),
        formatter_class=HelpFormatter,
    )
    ctx.add_argument("model", type=Path, metavar="DIR", help="a run folder or checkpoint file")
    ctx.add_argument("text", type=Path, metavar="TEXT", help="held-out text: a file or folder")
    ctx.add_argument("--tokens", type=scored_tokens, default=SCORED_TOKENS, help="tokens scored per k")
    ctx.add_argument("--json", action="store_true", help="print one JSON object")
    ctx.set_defaults(handler=cmd_context)

    units = sub.add_parser(
        "units",
        help="units that track quotes, brackets, line position, ... in a text",
        description=(
            "Rank every hidden (h) and cell (C) unit by its correlation with simple properties of "
            "TEXT, beside the best an untrained model of the same shape reaches."
        ),
        formatter_class=HelpFormatter,
    )
    units.add_argument("model", type=Path, metavar="DIR", help="a run folder or checkpoint file")
    units.add_argument("text", type=Path, metavar="TEXT", help="text to read: a file or folder")
    units.add_argument(
        "--regex", action="append", default=[], metavar="PATTERN", help="also a property: inside a match"
    )
    units.add_argument("--top", type=positive_int, default=TOP, help="units shown per property")
    units.add_argument("--tokens", type=positive_int, default=MAX_TOKENS, help="tokens of TEXT read")
    units.add_argument("--no-baseline", action="store_true", help="skip the untrained model")
    units.add_argument("--json", action="store_true", help="print one JSON object")
    units.set_defaults(handler=cmd_units)

    recall = sub.add_parser(
        "recall",
        help="long-range recall on a text: loss on words that come back, by distance",
        description=(
            "Loss on every word (a name, an identifier) that recurs k tokens after its last occurrence, "
            "binned by k, against the same words where they do not recur within the window, and on "
            "closing brackets and quotes by the distance to their opener. Measured on the end of the "
            "text given (default: the end of the model's own corpus), for the model and its vanilla RNN."
        ),
        formatter_class=HelpFormatter,
    )
    recall.add_argument("model", type=Path, metavar="DIR", help="a run folder or checkpoint file")
    recall.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="a second model to compare (default: the run's own RNN), then held-out text: files or folders "
        "(default: the end of the model's own corpus)",
    )
    recall.add_argument("--window", type=positive_int, default=WINDOW, help="furthest look-back in tokens")
    recall.add_argument("--tokens", type=positive_int, default=RECALL_TOKENS, help="tokens scored")
    recall.add_argument("--json", action="store_true", help="print one JSON object")
    recall.set_defaults(handler=cmd_recall)


def context_tokens(scored: int) -> int:
    """The tokens ``measure_context`` reads for ``scored`` positions: the largest k, then
    STRIDE tokens per position, and the target after the last. Its figures on these are
    the ones it gives on the whole text."""
    return max(CONTEXT_KS) + STRIDE * scored + 2


# Fewer scored tokens than this make a context curve of noise: a loss per k from a handful of
# tokens moves by tenths of a nat from one sample to the next.
MIN_SCORED_TOKENS = 16


def scored_tokens(text: str) -> int:
    value = positive_int(text)
    if value < MIN_SCORED_TOKENS:
        raise argparse.ArgumentTypeError(
            f"must be at least {MIN_SCORED_TOKENS} (fewer make a curve of noise), not {text}"
        )
    return value


def cmd_context(args: argparse.Namespace) -> int:
    from lstm_core.measure.context import describe_context, measure_context
    from training.checkpoints.checkpoint import load_model

    curves, measured, source = [], {}, ""
    needed = context_tokens(args.tokens)
    for path in _with_companion(args.model):
        model, tokenizer, _ = load_model(path)
        name = model.config.cell if path != args.model else model_name(path)
        start = read_start(args.text, tokenizer, needed)
        every = tokenizer.encode(start.text)
        ids = every[:needed]
        measured = start.to_dict(len(ids))
        if len(ids) < len(every):  # read more than measured: say what was measured
            source = f"the first {len(ids):,} tokens of {args.text}"
        else:
            source = f"{start.describe(len(ids))} of {args.text}"
        curves.append(measure_context(model, ids, scored=args.tokens, name=name))
    if args.json:
        print(json.dumps({"models": [c.to_dict() for c in curves], "text": measured}))
        return exit_codes.OK
    ks = list(curves[0].losses)
    print(f"loss (nats/token) seeing only the last k tokens, {curves[0].scored} tokens scored")
    print(f"measured on {source}")
    print(f"{'k':<12}" + "".join(f"{k:>7}" for k in ks) + f"{'full':>8}")
    for c in curves:
        print(
            f"{c.name:<12}"
            + "".join(f"{c.losses.get(k, float('nan')):>7.3f}" for k in ks)
            + f"{c.full:>8.3f}"
        )
    print(describe_context(curves) + f" (the smallest k within {WITHIN:.0%} of the full-context loss)")
    skipped = [c for c in curves if c.converged is not None and c.converged < ks[-1]]
    for c in skipped:
        print(f"{c.name}: at k >= {c.converged} the loss had settled; larger k not run", file=sys.stderr)
    return exit_codes.OK


def cmd_units(args: argparse.Namespace) -> int:
    from lstm_core.measure.units import format_units_table, rank_units
    from training.checkpoints.checkpoint import load_model

    model, tokenizer, _ = load_model(args.model)
    start = read_start(args.text, tokenizer, args.tokens)
    report = rank_units(
        model,
        tokenizer,
        start.text,
        patterns=args.regex,
        baseline=not args.no_baseline,
        max_tokens=args.tokens,
        top=args.top,
        name=model_name(args.model),
    )
    tokens = min(args.tokens, len(tokenizer.encode(start.text)))  # what rank_units read
    if args.json:
        print(json.dumps(report.to_dict() | {"text": start.to_dict(tokens)}))
        return exit_codes.OK
    print(f"units tracking properties of the text: Pearson r over {report.positions:,} positions")
    print(f"measured on {start.describe(tokens)} of {args.text}")
    print(format_units_table(report))
    return exit_codes.OK


def recall_models(model: Path, paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(the models, the texts) of ``recall``'s arguments: a second path that holds a checkpoint
    is the model to compare with; without one, the run's own RNN when it has one."""
    if paths and resolve_path(paths[0]).is_file():
        return [model, paths[0]], paths[1:]
    return _with_companion(model), paths


def cmd_recall(args: argparse.Namespace) -> int:
    from lstm_core.measure.recurrence import format_recall_table, measure_recall
    from training.checkpoints.checkpoint import load_model

    paths, texts = recall_models(args.model, args.paths)
    loaded = [load_model(path) for path in paths]
    cells = [m.config.cell for m, _, _ in loaded]
    # By cell when they differ ("lstm", "rnn"); by folder when both are the same kind.
    names = cells if len(set(cells)) == len(cells) else [model_name(p) for p in paths]
    _, tokenizer, meta = loaded[0]
    wanted = args.window + args.tokens
    if texts:
        part, where = read_end_tokens(texts, tokenizer, wanted), ", ".join(map(str, texts))
    else:
        own = own_corpus_end(meta, tokenizer, wanted)
        if own is None:
            raise MeasureError(
                "the checkpoint does not name its corpus, or its files are not on this computer: "
                "give the held-out text to measure on"
            )
        part, where = own
    ids = tokenizer.encode(part.text)[-wanted:]
    models = {name: (m, t) for name, (m, t, _) in zip(names, loaded, strict=True)}
    source = f"{part.describe(len(ids))} of {where}"
    report = measure_recall(models, part.text, source=source, window=args.window, max_tokens=args.tokens)
    if args.json:
        print(json.dumps(report.to_dict() | {"text": part.to_dict(len(ids))}))
        return exit_codes.OK
    print(
        "long-range recall: loss (nats/token) on words that recur k tokens after their last occurrence; "
        "gain: the same words' first mentions (none within the window) less that loss"
    )
    print(f"measured on {report.measured_on}")
    print(format_recall_table(report, "word"))
    print("closing brackets and quotes, by the distance k to their opener")
    print(format_recall_table(report, "closer"))
    print(report.verdict)
    return exit_codes.OK
