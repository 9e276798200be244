"""``lstm-studio generate``: stream text from a trained model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lstm_core.sampling import SamplingSettings
from training.cli.args import HelpFormatter, non_negative_int, positive_float, probability

_SAMPLING = SamplingSettings()  # where each sampling default lives


def add_generate_command(sub: argparse._SubParsersAction) -> None:
    gen = sub.add_parser(
        "generate",
        help="stream text from a trained model",
        description="Stream text from a trained model, continuing a prompt.",
        formatter_class=HelpFormatter,
    )
    gen.add_argument("model", type=Path, metavar="DIR", help="a run folder or checkpoint file")
    gen.add_argument("--prompt", default="", help="text to continue")
    gen.add_argument(
        "--length", type=non_negative_int, default=_SAMPLING.max_tokens, help="tokens to generate"
    )
    gen.add_argument(
        "--temperature",
        type=positive_float,
        default=_SAMPLING.temperature,
        help="below 1 sharpens, above 1 flattens",
    )
    gen.add_argument(
        "--top-k", type=non_negative_int, default=_SAMPLING.top_k, help="keep the k likeliest tokens (0: all)"
    )
    gen.add_argument(
        "--top-p",
        type=probability,
        default=_SAMPLING.top_p,
        help="keep the smallest set of tokens whose probability reaches p",
    )
    gen.add_argument(
        "--repetition-penalty",
        type=positive_float,
        default=_SAMPLING.repetition_penalty,
        help="above 1 discourages tokens already in the recent window",
    )
    gen.add_argument("--greedy", action="store_true", help="always the likeliest token")
    gen.add_argument(
        "--stop", action="append", default=[], metavar="TEXT", help="stop at this text (repeatable)"
    )
    gen.add_argument("--seed", type=int, help="same seed, same text (default: random)")
    gen.set_defaults(handler=cmd_generate)


def cmd_generate(args: argparse.Namespace) -> int:
    from lstm_core.sampling import generate
    from training.checkpoint import load_model

    settings = SamplingSettings(
        max_tokens=args.length,
        temperature=args.temperature,
        top_k=args.top_k,
        top_p=args.top_p,
        repetition_penalty=args.repetition_penalty,
        greedy=args.greedy,
        seed=args.seed,
        stop=tuple(args.stop),
    )
    model, tokenizer, _ = load_model(args.model)
    out = sys.stdout
    out.write(args.prompt)
    out.flush()
    for piece in generate(model, tokenizer, args.prompt, settings):
        out.write(piece)
        out.flush()
    out.write("\n")
    return 0
