"""``python -m benchmarks [--skip-quality] [--long]``: every figure, side by side, in one run."""

from __future__ import annotations

import argparse
import platform

from training.cpu_runtime import configure_cpu_runtime

configure_cpu_runtime()  # as the app does, before torch loads

import torch

from benchmarks import batch_generation, generation_speed, quality, training_speed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--skip-quality", action="store_true", help="skip the 90 s tinyshakespeare run")
    parser.add_argument("--long", action="store_true", help="also run the 300 s tinyshakespeare budget")
    parser.add_argument("--only", choices=["training", "generation", "quality"])
    args = parser.parse_args()
    cpu = platform.processor() or platform.machine()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {cpu}")
    if args.only in (None, "training"):
        training_speed.run()
    if args.only in (None, "generation"):
        generation_speed.run()
        batch_generation.run()
    if args.only in (None, "quality") and not args.skip_quality:
        quality.run("quick", 1.5)
        if args.long:
            quality.run("quick", 5.0)


if __name__ == "__main__":
    main()
