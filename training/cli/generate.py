"""``lstm-studio generate``: stream text from a trained model."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from lstm_core.beam import BeamSettings
from lstm_core.measure.steering import Clamp, ClampedStepper
from lstm_core.sampling import SamplingSettings
from training.cli import exit_codes
from training.cli.args import (
    HelpFormatter,
    UsageError,
    bounded_int,
    fraction,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    probability,
)
from training.copies.copy_check import MIN_CHARS as COPY_MIN_CHARS

if TYPE_CHECKING:
    pass

_SAMPLING = SamplingSettings()  # where each sampling default lives
_BEAM = BeamSettings()
MAX_LENGTH = 1_000_000  # tokens: minutes of output on a CPU; more is a typo, not a wish


def generation_length(text: str) -> int:
    return bounded_int(text, least=0, most=MAX_LENGTH)


def prompt_from_file(path: str) -> str:
    """--prompt-file: read while parsing, so a file that cannot be read is a one-line usage error."""
    try:
        if path == "-":
            return sys.stdin.buffer.read().decode("utf-8-sig")
        return Path(path).read_bytes().decode("utf-8-sig")  # a BOM (Notepad's) is not prompt text
    except UnicodeDecodeError as err:
        raise argparse.ArgumentTypeError(
            f"{_name(path)} is not UTF-8 text ({err.reason} at byte {err.start})"
        ) from None
    except OSError as err:
        raise argparse.ArgumentTypeError(f"cannot read {_name(path)}: {err.strerror or err}") from None


def _name(path: str) -> str:
    return "standard input" if path == "-" else path


def add_generate_command(sub: argparse._SubParsersAction) -> None:
    gen = sub.add_parser(
        "generate",
        help="stream text from a trained model",
        description="Stream text from a trained model, continuing a prompt.",
        formatter_class=HelpFormatter,
    )
    gen.add_argument("model", type=Path, metavar="DIR", help="a run folder or checkpoint file")
    prompt = gen.add_mutually_exclusive_group()
    prompt.add_argument("--prompt", default="", help="text to continue")
    prompt.add_argument(
        "--prompt-file",
        dest="prompt",
        type=prompt_from_file,
        metavar="PATH",
        help="the text to continue, read from PATH exactly as it is (UTF-8; - reads standard "
        "input): for a prompt longer than a command line can hold",
    )
    gen.add_argument(
        "--length", type=generation_length, default=_SAMPLING.max_tokens, help="tokens to generate"
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
    gen.add_argument(
        "--min-p",
        type=fraction,
        default=_SAMPLING.min_p,
        help="keep tokens at least p times as likely as the likeliest (0: off)",
    )
    gen.add_argument("--greedy", action="store_true", help="always the likeliest token")
    gen.add_argument(
        "--stop",
        action="append",
        default=[],
        type=_stop_text,
        metavar="TEXT",
        help="stop at this text (repeatable)",
    )
    gen.add_argument(
        "--past-end",
        action="store_true",
        help="a model trained on documents: go on past the end of a document instead of stopping there",
    )
    gen.add_argument("--seed", type=seed_value, help="same seed, same text (default: random)")
    gen.add_argument(
        "--num-samples",
        type=positive_int,
        default=1,
        metavar="N",
        help="N samples generated together as one batch; sample i uses seed SEED + i - 1",
    )
    gen.add_argument(
        "--beam",
        type=positive_int,
        metavar="K",
        help="beam search with K beams instead of sampling (default: off); prints the best "
        "--num-samples of them",
    )
    gen.add_argument(
        "--length-penalty",
        type=_length_penalty,
        default=_BEAM.length_penalty,
        help="beam search ranks by log p / length ** this (0: total log-probability)",
    )
    gen.add_argument(
        "--no-repeat-ngram",
        type=non_negative_int,
        default=_BEAM.no_repeat_ngram,
        metavar="N",
        help="beam search never repeats an n-gram of N tokens (0: off)",
    )
    gen.add_argument("--json", action="store_true", help="one JSON object per sample, one per line")
    gen.add_argument(
        "--output",
        type=_output_path,
        metavar="FILE",
        help="write the samples to FILE (UTF-8; -: standard output)",
    )
    gen.add_argument(
        "--check-copies",
        action="store_true",
        help="report the longest span of each sample copied verbatim from the training corpus",
    )
    gen.add_argument(
        "--copy-min-chars",
        type=positive_int,
        default=COPY_MIN_CHARS,
        metavar="N",
        help="the share of copied text counts spans of at least N characters",
    )
    add_clamp_option(gen)
    gen.set_defaults(handler=cmd_generate)


MAX_SEED = 2**63 - 1  # the samplers' generators take seeds below 2**63
MAX_LENGTH_PENALTY = 10.0  # log p / length ** 10 already ranks by length alone
MAX_CLAMP = 1000.0  # a cell state seldom leaves ±50; beyond this the sums overflow


def seed_value(text: str) -> int:
    return bounded_int(text, least=0, most=MAX_SEED)


def _stop_text(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("an empty stop text would end the text before it starts")
    return text


def _length_penalty(text: str) -> float:
    value = non_negative_float(text)
    if value > MAX_LENGTH_PENALTY:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_LENGTH_PENALTY:g}, not {text}")
    return value


def _output_path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("give the file to write, not an empty name")
    return Path(text)


def _argv_text(text: str) -> str:
    """A prompt as the person typed it: under a C locale without UTF-8 mode Python hands over
    the bytes of non-ASCII text as lone surrogates, which no file can hold; they were UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", errors="replace")
    return text


def _sampling(args: argparse.Namespace) -> SamplingSettings:
    return SamplingSettings(
        max_tokens=args.length,
        temperature=args.temperature,
        top_k=args.top_k,
        top_p=args.top_p,
        min_p=args.min_p,
        repetition_penalty=args.repetition_penalty,
        greedy=args.greedy,
        seed=args.seed,
        stop=tuple(args.stop),
        stop_at_end=not args.past_end,
    )


# ---- steering: --clamp holds one unit at a value while generating ------------------------
def _clamp(text: str) -> Clamp:
    try:
        clamp = Clamp.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if not abs(clamp.value) <= MAX_CLAMP:
        raise argparse.ArgumentTypeError(
            f"the value must be between -{MAX_CLAMP:,.0f} and {MAX_CLAMP:,.0f}, not {text}"
        )
    return clamp


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


def cmd_generate(args: argparse.Namespace) -> int:
    from training.checkpoints.checkpoint import load_model
    from training.cli.generate_output import refuse_protected_output, stop_on_ctrl_c, write_samples_whole
    from training.cli.samples import collect_samples, stream_one, write_samples

    args.prompt = _argv_text(args.prompt)
    args.stop = [_argv_text(text) for text in args.stop]
    if args.output is not None and str(args.output) == "-":
        args.output = None  # standard output, as --prompt-file - is standard input
    settings = _sampling(args)
    if args.beam is not None and args.num_samples > args.beam:
        raise UsageError(f"--num-samples {args.num_samples} is more than the {args.beam} beams searched")
    one_stream = (
        args.num_samples == 1 and args.beam is None and not (args.json or args.output or args.check_copies)
    )
    if args.clamp and not one_stream:
        raise UsageError(
            "--clamp streams one sample: it does not combine with --num-samples, --beam, --json, "
            "--output or --check-copies"
        )
    model, tokenizer, meta = load_model(args.model)
    if args.output is not None:
        refuse_protected_output(args.output, args.model, meta)
    if one_stream:
        stepper = ClampedStepper(model, args.clamp) if args.clamp else None
        stream_one(model, tokenizer, args.prompt, settings, stepper=stepper)
        return exit_codes.OK
    checker = None
    if args.check_copies:  # before generating: a corpus that is gone or changed costs no samples
        from training.copies.copy_check import copy_checker

        checker = copy_checker(meta, tokenizer)
    with stop_on_ctrl_c() as stopped:
        samples = collect_samples(model, tokenizer, args, settings, stop=stopped)
    if args.output is None:
        write_samples(samples, args, checker)
    else:
        write_samples_whole(samples, args, checker)
    if stopped():
        print("lstm-studio: interrupted: the samples end where Ctrl+C came", file=sys.stderr)
        return exit_codes.INTERRUPTED
    return exit_codes.OK
