"""The sequential bottleneck: time per training step against sequence length for the
vanilla RNN, the LSTM (torch's fused kernel) and minGRU (a chunked scan), measured side
by side; with --quality, the validation loss minGRU and the LSTM reach in 90 s of
training on tinyshakespeare with the Quick preset's settings otherwise.

    python -m benchmarks.bottleneck [--batch 16] [--hidden 512] [--rounds 5] [--threads N]
                                    [--lens 64 128 ...] [--quality] [--json]

The cells take turns at each length, one step each per round, so a burst of load from
another program falls on all of them alike; each ratio is the median of the rounds' own
ratios. The machine's load average is printed before and after: on a shared machine the
milliseconds move from run to run, the ratios much less.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import torch

from benchmarks.common import SHAKESPEARE, hardware_line, row
from lstm_core.measure.step_time import SEQ_LENS, StepTimes, format_step_times, measure_step_times

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


def ratio_table(times: StepTimes) -> str:
    """Per length: minGRU's and the RNN's step time as a multiple of the LSTM's."""
    lens = sorted(times.seconds["lstm"])
    lines = [f"{'seq len':<16}" + "".join(f"{t:>9}" for t in lens)]
    for cell in ("mingru", "rnn"):
        if cell in times.seconds:
            ratios = "".join(f"{times.ratio(cell, 'lstm', t):>9.2f}" for t in lens)
            lines.append(f"{cell + ' / lstm':<16}{ratios}")
    return "\n".join(lines)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=16, help="streams per step (default 16)")
    parser.add_argument("--hidden", type=int, default=512, help="width of the one layer (default 512)")
    parser.add_argument("--rounds", type=int, default=5, help="timed steps per cell and length (default 5)")
    parser.add_argument(
        "--lens", type=int, nargs="+", default=list(SEQ_LENS), help="sequence lengths (default 64 .. 2048)"
    )
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own, one per core)")
    parser.add_argument("--quality", action="store_true", help="also train LSTM and minGRU for 90 s each")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(hardware_line())
    before = _load()
    print(f"before: {before}", flush=True)
    times = measure_step_times(seq_lens=args.lens, hidden=args.hidden, batch=args.batch, rounds=args.rounds)
    after = _load()
    print(f"after:  {after}")
    rounds = f"median ms of {args.rounds} rounds"
    print(f"Time per training step (forward, backward, AdamW), {rounds}; {times.shape}")
    print(format_step_times(times))
    print("Step time as a multiple of the LSTM's (median of each round's ratio; below 1: faster)")
    print(ratio_table(times))
    out: dict[str, Any] = {
        "hardware": hardware_line(),
        "load": {"before": before, "after": after},
        "step_times": times.to_dict(),
        "ratios": {
            cell: {str(t): times.ratio(cell, "lstm", t) for t in sorted(times.seconds["lstm"])}
            for cell in times.seconds
            if cell != "lstm"
        },
    }
    if args.quality:
        out["quality"] = quality()
    if args.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
