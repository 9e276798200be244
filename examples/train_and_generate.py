"""Train a model on your own text with the Python API, watch it learn, then write with it.

    python examples/train_and_generate.py my.txt --out runs/mine --minutes 2
    python examples/train_and_generate.py            # the demo corpus, the preset's budget

The run folder it writes opens in the window and with ``lstm-studio generate runs/mine``.
Options left out take the preset's values; docs/api.md lists the rest.
"""

from __future__ import annotations

import argparse
import sys

import lstm_studio as ls


def show(event: ls.Event) -> None:
    """Progress as one line per validation and the run's notes; every StepEvent is skipped."""
    if isinstance(event, ls.ValidationEvent):
        print(f"step {event.step}: validation {event.bits_per_char:.3f} bits/char", file=sys.stderr)
    elif isinstance(event, ls.NoteEvent | ls.WarningEvent):
        print(f"{event.model}: {event.message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", nargs="*", help="text files or folders (default: the demo corpus)")
    parser.add_argument("--out", default="runs/example", help="the run folder to write")
    parser.add_argument("--preset", choices=ls.PRESET_NAMES, default=ls.DEFAULT_PRESET)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="training budget (default: the preset's)")
    budget.add_argument("--steps", type=int, help="budget in optimizer steps instead")
    # A model's size and batches: left out, the preset chooses them for this machine.
    parser.add_argument("--hidden", type=int)
    parser.add_argument("--embed", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--seq-len", type=int)
    parser.add_argument("--prompt", default="I grew up")
    parser.add_argument("--length", type=int, default=200, help="tokens to write")
    args = parser.parse_args(argv)

    model_options = {k: v for k, v in {"hidden": args.hidden, "embed": args.embed}.items() if v}
    train_options = {k: v for k, v in {"batch_size": args.batch, "seq_len": args.seq_len}.items() if v}
    run = ls.train(
        args.corpus or [ls.demo_dir() / "corpus.txt"],
        out=args.out,
        preset=args.preset,
        minutes=args.minutes,
        steps=args.steps,
        model_options=model_options,
        train_options=train_options,
        overwrite=True,  # an example is run again and again into the same folder
        on_event=show,
    )
    done = run.finished
    print(f"{done.reason} after {done.steps} steps: {done.bits_per_char:.3f} bits/char -> {run.out}")

    model = run.load()
    print(args.prompt + model.generate(args.prompt, length=args.length, seed=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
