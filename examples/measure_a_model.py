"""Score a model on held-out text and look inside it: how far back it looks, and which units
track what in the text.

    python examples/measure_a_model.py runs/mine held-out.txt
    python examples/measure_a_model.py          # the demo LSTM on the start of the demo corpus

The same figures as ``lstm-studio evaluate``, ``context`` and ``units``, as Python objects.
"""

from __future__ import annotations

import argparse
import sys

import lstm_studio as ls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model", nargs="?", help="a run folder or checkpoint (default: the demo LSTM)")
    parser.add_argument("text", nargs="?", help="a text file or folder (default: the demo corpus)")
    parser.add_argument("--max-tokens", type=int, default=20_000, help="tokens scored, spread over the text")
    parser.add_argument("--context-tokens", type=int, default=256, help="positions the context curve scores")
    parser.add_argument("--unit-tokens", type=int, default=5_000, help="tokens the units are read over")
    args = parser.parse_args(argv)

    model = ls.load(args.model or ls.demo_dir() / "lstm")
    text = args.text or ls.demo_dir() / "corpus.txt"

    score = model.evaluate(text, max_tokens=args.max_tokens)
    print(f"{score.bits_per_char:.3f} bits/char, perplexity {score.perplexity:.2f} ({score.tokens:,} tokens)")

    curve = ls.context(model, path=text, tokens=args.context_tokens)
    losses = ", ".join(f"k={k}: {loss:.3f}" for k, loss in curve.losses.items())
    print(f"loss seeing only the last k tokens: {losses}; full context {curve.full:.3f}")
    print(f"uses about {curve.uses} tokens of context" if curve.uses else "uses all the context it is given")

    report = ls.units(model, path=text, tokens=args.unit_tokens)
    for prop in report.properties:
        if prop.best:
            best, chance = prop.best[0], prop.baseline
            print(f"{prop.description}: unit {best.label()} r={best.r:+.2f} (untrained: {chance:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
