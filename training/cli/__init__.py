"""The ``lstm-studio`` command line: train, generate, evaluate.

Every failure a person can cause ends as one line on stderr and a non-zero
exit code; tracebacks are shown only with LSTM_STUDIO_DEBUG=1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.corpus import CorpusError

PROG = "lstm-studio"


class UsageError(Exception):
    """Bad input that argparse could not catch; its message is shown as is."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other bad input
        raise UsageError(f"{message} (see {self.prog} --help)")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Train and explore LSTM and vanilla RNN language models.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    train = sub.add_parser("train", help="train a model on text files or folders")
    train.add_argument("paths", nargs="+", metavar="PATH")
    train.add_argument("--out", required=True, type=Path, metavar="DIR")
    train.add_argument("--preset", default="quick", choices=["quick", "balanced", "quality"])
    train.add_argument("--level", default="char", choices=["char", "word", "bpe"])
    train.add_argument("--cell", choices=["lstm", "rnn", "gru"])
    train.add_argument("--compare-rnn", action="store_true", help="also train a vanilla RNN into DIR/rnn")
    train.add_argument("--layers", type=_positive_int)
    train.add_argument("--hidden", type=_positive_int)
    train.add_argument("--embed", type=_positive_int)
    train.add_argument("--dropout", type=float)
    train.add_argument("--seq-len", type=_positive_int)
    train.add_argument("--batch", type=_positive_int)
    train.add_argument("--lr", type=_positive_float)
    budget = train.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=_positive_int)
    budget.add_argument("--minutes", type=_positive_float)
    train.add_argument("--clip", type=_positive_float, help="gradient-norm threshold (default 1.0)")
    train.add_argument("--no-clip", action="store_true", help="train without gradient clipping")
    train.add_argument("--precision", choices=["auto", "bf16", "fp16", "fp32"])
    train.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    train.add_argument("--seed", type=int)
    train.add_argument("--resume", action="store_true", help="continue the run saved in DIR")
    train.add_argument("--json", action="store_true", help="one JSON event per line on stdout")

    gen = sub.add_parser("generate", help="stream text from a trained model")
    gen.add_argument("model", type=Path, metavar="DIR")
    gen.add_argument("--prompt", default="")
    gen.add_argument("--length", type=int, default=400, help="tokens to generate")
    gen.add_argument("--temperature", type=_positive_float, default=0.8)
    gen.add_argument("--top-k", type=int, default=0)
    gen.add_argument("--top-p", type=float, default=1.0)
    gen.add_argument("--repetition-penalty", type=_positive_float, default=1.0)
    gen.add_argument("--greedy", action="store_true")
    gen.add_argument("--stop", action="append", default=[], metavar="TEXT")
    gen.add_argument("--seed", type=int)

    ev = sub.add_parser("evaluate", help="loss, bits per character and perplexity on text")
    ev.add_argument("model", type=Path, metavar="DIR")
    ev.add_argument("paths", nargs="+", metavar="PATH")
    ev.add_argument("--json", action="store_true")

    from training.cli.measure import add_measure_commands

    add_measure_commands(sub)
    return parser


def _train_options(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    model = {
        k: v
        for k, v in {
            "cell": args.cell,
            "layers": args.layers,
            "hidden": args.hidden,
            "embed": args.embed,
            "dropout": args.dropout,
        }.items()
        if v is not None
    }
    train = {
        k: v
        for k, v in {
            "seq_len": args.seq_len,
            "batch_size": args.batch,
            "lr": args.lr,
            "steps": args.steps,
            "minutes": args.minutes,
            "device": args.device,
            "seed": args.seed,
            "precision": args.precision,
            "grad_clip": args.clip,
        }.items()
        if v is not None
    }
    if args.no_clip:
        train["grad_clip"] = None
    return model, train


def cmd_train(args: argparse.Namespace) -> int:
    from training.cli.progress import JsonReporter, ProgressReporter
    from training.control import TrainingControl
    from training.run import RunSpec, prepare_run
    from training.trainer import train_models

    model_opts, train_opts = _train_options(args)
    spec = RunSpec(
        paths=tuple(args.paths),
        out_dir=args.out,
        preset=args.preset,
        level=args.level,
        model_options=model_opts,
        train_options=train_opts,
        compare_rnn=args.compare_rnn,
        resume=args.resume,
    )
    main_rank = int(os.environ.get("RANK", "0")) == 0
    reporter = JsonReporter() if args.json else ProgressReporter(enabled=main_rank)
    prepared = prepare_run(spec, reporter)
    control = TrainingControl()
    # Ctrl+C ends the run the cooperative way: the current step finishes and a checkpoint is saved.
    signal.signal(signal.SIGINT, lambda *_: control.cancel())
    started = time.perf_counter()
    results = train_models(prepared.trainers, control)
    reporter.close()
    main_result = results[0]
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # under torchrun, rank 0 speaks for the run
    done = {
        "event": "done",
        "val_loss": main_result.val_loss,
        "bits_per_char": main_result.bits_per_char,
        "checkpoint": str(Path(main_result.checkpoint).parent),
        "steps": main_result.steps,
        "seconds": round(time.perf_counter() - started, 3),
        "tokens_per_s": main_result.tokens_per_s,
        "reason": main_result.reason,
        "models": [r.to_dict() for r in results],
    }
    if args.json:
        print(json.dumps(done), flush=True)
    else:
        for r in results:
            print(
                f"{r.model}: {r.reason} after {r.steps} steps, {r.seconds:.0f} s; validation "
                f"{r.val_loss:.3f} nats/token, {r.bits_per_char:.3f} bits/char -> {Path(r.checkpoint).parent}"
            )
    return 0 if main_result.reason != "diverged" else 3


def cmd_generate(args: argparse.Namespace) -> int:
    from lstm_core.sampling import SamplingSettings, generate
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


def cmd_evaluate(args: argparse.Namespace) -> int:
    from training.batching import to_token_array
    from training.checkpoint import load_model
    from training.corpus import load_corpus
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        handler = {"train": cmd_train, "generate": cmd_generate, "evaluate": cmd_evaluate}.get(
            args.command
        ) or args.handler
        return handler(args)
    except UsageError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as err:  # CorpusError, CheckpointError, DeviceError are ValueErrors
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if os.environ.get("LSTM_STUDIO_DEBUG"):
            raise
        print(f"{PROG}: unexpected error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
