"""Write with a trained model: one text streamed as it is drawn, then several samples at once.

    python examples/write_with_a_model.py runs/mine --prompt "Once"
    python examples/write_with_a_model.py            # the shipped demo LSTM

Each sample has its own seed: ``model.generate(prompt, seed=sample.seed)`` writes it again.
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
    parser.add_argument("--prompt", default="I grew up in")
    parser.add_argument("--length", type=int, default=120, help="tokens per text")
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--temperature", type=float, default=0.7)
    args = parser.parse_args(argv)

    model = ls.load(args.model or ls.demo_dir() / "lstm")
    print(f"{model.config.cell}, {model.config.layers}×{model.config.hidden}, {model.meta.level} level")

    # A stream: each piece is printed as soon as its token is drawn.
    print(args.prompt, end="", flush=True)
    for piece in model.stream(args.prompt, length=args.length, temperature=args.temperature, seed=1):
        print(piece, end="", flush=True)
    print()

    # Many samples, generated together as one batch; each stops at a blank line or its length.
    samples = model.samples(
        args.prompt,
        count=args.samples,
        length=args.length,
        temperature=args.temperature,
        stop=["\n\n"],
        seed=7,
    )
    for sample in samples:
        print(f"--- seed {sample.seed} ({sample.tokens} tokens, ended by {sample.ended})")
        print(args.prompt + sample.text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
