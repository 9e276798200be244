"""What ``lstm-studio generate`` prints: one streamed text, or many samples as blocks or JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from lstm_core.model import LanguageModel
from lstm_core.sampling import SamplingSettings, generate
from lstm_core.stepper import Stepper
from lstm_core.tokenizers import Tokenizer
from training.copies.copy_check import CopyChecker


@dataclass(frozen=True)
class Output:
    """One sample or beam as printed."""

    label: str  # "sample 2 (seed 8)", "beam 1 (log p -23.41)"
    text: str  # without the prompt
    fields: dict[str, object]  # for --json


def stream_one(
    model: LanguageModel,
    tokenizer: Tokenizer,
    prompt: str,
    settings: SamplingSettings,
    *,
    stepper: Stepper | None = None,
) -> None:
    out = sys.stdout
    out.write(prompt)
    out.flush()
    for piece in generate(model, tokenizer, prompt, settings, stepper=stepper):
        out.write(piece)
        out.flush()
    out.write("\n")


def collect_samples(
    model: LanguageModel,
    tokenizer: Tokenizer,
    args: argparse.Namespace,
    settings: SamplingSettings,
    *,
    stop: Callable[[], bool] | None = None,
) -> list[Output]:
    """The samples or beams asked for; ``stop()`` turning true ends samples where they are."""
    if args.beam is not None:
        from lstm_core.beam import BeamSettings, beam_search

        beam = BeamSettings(
            width=args.beam,
            max_tokens=settings.max_tokens,
            length_penalty=args.length_penalty,
            no_repeat_ngram=args.no_repeat_ngram,
            stop_at_end=settings.stop_at_end,
        )
        found = beam_search(model, tokenizer, args.prompt, beam)[: args.num_samples]
        return [
            Output(
                f"beam {i} (log p {h.log_prob:.2f}, {len(h.ids)} tokens)",
                h.text,
                {"beam": i, "log_prob": round(h.log_prob, 4), "tokens": len(h.ids), "ended": h.finished},
            )
            for i, h in enumerate(found, 1)
        ]
    from lstm_core.batch_sampling import generate_samples

    samples = generate_samples(model, tokenizer, args.prompt, settings, args.num_samples, stop=stop)
    return [
        Output(
            f"sample {i} (seed {s.seed})",
            s.text,
            {"sample": i, "seed": s.seed, "tokens": s.tokens, "ended": s.ended},
        )
        for i, s in enumerate(samples, 1)
    ]


def _write(
    out: TextIO, samples: Sequence[Output], args: argparse.Namespace, checker: CopyChecker | None
) -> None:
    for sample in samples:
        report = checker.check(sample.text, min_chars=args.copy_min_chars) if checker else None
        if args.json:
            record = {**sample.fields, "prompt": args.prompt, "text": sample.text}
            if report is not None:
                record["copies"] = report.to_dict()
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        out.write(f"--- {sample.label} ---\n{args.prompt}{sample.text}\n")
        if report is not None:
            out.write(f"[{report.describe()}]\n")
    out.flush()


def write_samples(samples: Sequence[Output], args: argparse.Namespace, checker: CopyChecker | None) -> None:
    if args.output is None:
        _write(sys.stdout, samples, args, checker)
        return
    with open(args.output, "w", encoding="utf-8") as f:
        _write(f, samples, args, checker)
    print(f"{len(samples)} sample(s) written to {args.output}", file=sys.stderr)
