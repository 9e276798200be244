"""``lstm-studio generate`` and ``lstm-studio evaluate``: using a trained model."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lstm_core.measure.steering import Clamp, ClampedStepper
from lstm_core.model import LanguageModel
from lstm_core.sampling import SamplingSettings
from lstm_core.stepper import Stepper
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
    add_clamp_option(gen)
    gen.set_defaults(handler=cmd_generate)

    ev = sub.add_parser(
        "evaluate",
        help="loss, bits per character and perplexity on text",
        description="Score a model on text: nats per token, bits per character and perplexity.",
        formatter_class=HelpFormatter,
    )
    ev.add_argument("model", type=Path, metavar="DIR", help="a run folder or checkpoint file")
    ev.add_argument("paths", nargs="+", metavar="PATH", help="text files or folders to score")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.set_defaults(handler=cmd_evaluate)


# ---- steering: --clamp holds one unit at a value while generating ------------------------
def _clamp(text: str) -> Clamp:
    try:
        return Clamp.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_clamp_option(gen: argparse.ArgumentParser) -> None:
    gen.add_argument(
        "--clamp",
        action="append",
        default=[],
        type=_clamp,
        metavar="LAYER:UNIT=VALUE",
        help="hold a unit at VALUE from the last prompt token on: an LSTM's cell state C, "
        "another cell's h (repeatable; see `lstm-studio units` for units worth holding)",
    )


def clamped_stepper(model: LanguageModel, clamps: list[Clamp]) -> Stepper | None:
    """The stepper that holds the clamps, or None for the usual fast one."""
    return ClampedStepper(model, clamps) if clamps else None


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
    stepper = clamped_stepper(model, args.clamp)
    for piece in generate(model, tokenizer, args.prompt, settings, stepper=stepper):
        out.write(piece)
        out.flush()
    out.write("\n")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from training.batching import to_token_array
    from training.checkpoint import load_model
    from training.corpus import CorpusError, load_corpus
    from training.evaluate import evaluate_tokens

    model, tokenizer, _ = load_model(args.model)
    corpus = load_corpus(args.paths, min_chars=2)
    tokens = to_token_array(tokenizer.encode(corpus.text), tokenizer.vocab_size)
    if len(tokens) < 3:
        raise CorpusError(f"{', '.join(args.paths)}: too little text to evaluate")
    result = evaluate_tokens(model, tokens, chars=len(corpus.text))
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(
            f"loss {result.loss_nats:.4f} nats/token   {result.bits_per_char:.4f} bits/char   "
            f"perplexity {result.perplexity:.2f}   ({result.tokens:,} tokens)"
        )
    return 0
