"""The sequential bottleneck: time per training step against sequence length for the
vanilla RNN, the LSTM (torch's fused kernel) and minGRU (a parallel scan), measured side
by side; with --quality, the validation loss minGRU and the LSTM reach in 90 s of
training on tinyshakespeare with the Quick preset's settings otherwise.

    python -m benchmarks.bottleneck [--batch 16] [--hidden 512] [--quality] [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from benchmarks.common import SHAKESPEARE, row
from lstm_core.measure.step_time import SEQ_LENS, format_step_times, measure_step_times

QUALITY_MINUTES = 1.5


def quality(cells: tuple[str, ...] = ("lstm", "mingru"), path: Path = SHAKESPEARE) -> dict[str, Any]:
    """Validation loss of each cell after QUALITY_MINUTES of training, one after the other."""
    from training.run import run_training
    from training.run_spec import RunSpec

    if not path.exists():
        print(f"Quality: {path} not found; skipped")
        return {}
    results: dict[str, Any] = {}
    print(f"Quality: {QUALITY_MINUTES:g} min of training each on {path.name}, Quick preset, cell flipped")
    for cell in cells:
        with TemporaryDirectory() as tmp:
            spec = RunSpec(
                paths=(str(path),),
                out_dir=Path(tmp),
                model_options={"cell": cell},
                train_options={"minutes": QUALITY_MINUTES},
            )
            result = run_training(spec)[0]
        row(
            f"{cell}: validation loss after {result.seconds:.0f} s ({result.steps} steps)",
            f"{result.val_loss:.3f} nats/char",
            f"{result.tokens_per_s:,.0f} tokens/s",
        )
        results[cell] = {
            "val_loss": result.val_loss,
            "steps": result.steps,
            "seconds": result.seconds,
            "tokens_per_s": result.tokens_per_s,
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=16, help="streams per step (default 16)")
    parser.add_argument("--hidden", type=int, default=512, help="width of the one layer (default 512)")
    parser.add_argument("--rounds", type=int, default=3, help="timed steps per cell and length (default 3)")
    parser.add_argument("--quality", action="store_true", help="also train LSTM and minGRU for 90 s each")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args(argv)
    times = measure_step_times(seq_lens=SEQ_LENS, hidden=args.hidden, batch=args.batch, rounds=args.rounds)
    print(f"Time per training step (forward, backward, AdamW), ms; {times.shape}; cells in alternation")
    print(format_step_times(times))
    for seq_len in (SEQ_LENS[0], SEQ_LENS[-1]):
        row(
            f"seq {seq_len}: minGRU step / LSTM step",
            f"{times.ratio('mingru', 'lstm', seq_len):.2f}",
            f"RNN / LSTM {times.ratio('rnn', 'lstm', seq_len):.2f}",
        )
    out: dict[str, Any] = {"step_times": times.to_dict()}
    if args.quality:
        out["quality"] = quality()
    if args.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
