"""``python -m benchmarks [--device cuda] [--precision fp32] [--skip-quality] [--long]``: every
figure, side by side, in one run.

``--precision fp32`` measures a CPU without native bfloat16 on any machine: it sets
$LSTM_STUDIO_NO_BF16 before anything asks the CPU, so training, long prompts and the
presets all take the float32 path that a Zen 3 takes. Run it both ways on a bf16 CPU."""

from __future__ import annotations

import argparse
import os
import sys

# The package's __init__ has made the application's process settings, before torch loads.
if "--precision" in sys.argv and sys.argv[sys.argv.index("--precision") + 1 :][:1] == ["fp32"]:
    os.environ["LSTM_STUDIO_NO_BF16"] = "1"  # before lstm_core.hardware first asks the CPU

from benchmarks import batch_generation, corpora, generation_speed, peers, quality, training_speed
from benchmarks.common import hardware_line
from lstm_core.hardware import DEVICES, DeviceError, device_label, pick_device


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--skip-quality", action="store_true", help="skip the runs that measure loss")
    parser.add_argument(
        "--long", action="store_true", help="on a CPU: also Quick and Balanced against char-rnn at 300 s"
    )
    parser.add_argument("--only", choices=["training", "generation", "quality"])
    parser.add_argument("--device", choices=DEVICES, default="auto", help="where to train and generate")
    parser.add_argument(
        "--precision",
        choices=["auto", "fp32"],
        default="auto",
        help="fp32: act as a CPU without native bfloat16 (default: what this CPU does)",
    )
    parser.add_argument(
        "--presets", default="quick,balanced,quality", help="on a GPU: the presets whose quality is measured"
    )
    parser.add_argument(
        "--quality-minutes",
        type=float,
        default=None,
        help="on a GPU: this budget for those presets' quality runs instead of each preset's own",
    )
    args = parser.parse_args()
    try:
        device = pick_device(args.device)
    except DeviceError as err:
        parser.exit(2, f"python -m benchmarks: {err}\n")
    print(f"{hardware_line()}; {device_label(device)}")
    if args.only in (None, "training"):
        training_speed.run(device, precision=args.precision, rounds=8 if device.type == "cuda" else 12)
    if args.only in (None, "generation"):
        generation_speed.run(device=device)
        if device.type == "cpu":
            batch_generation.run()
    if args.only in (None, "quality") and not args.skip_quality:
        if device.type == "cuda":
            for preset in args.presets.split(","):
                quality.run(preset, args.quality_minutes, device=device.type)
        else:  # at equal time against char-rnn's recipe, on six kinds of text, both precisions
            corpora.run(90.0, ("auto", "fp32") if args.precision == "auto" else ("fp32",))
            if args.long:
                peers.run(300.0, ("quick", "balanced"))


if __name__ == "__main__":
    main()
