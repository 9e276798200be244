"""``lstm-studio export``: a trained model in a form that runs without PyTorch."""

from __future__ import annotations

import argparse
from pathlib import Path

from training.cli import exit_codes
from training.cli.args import HelpFormatter

FORMATS: tuple[str, ...] = ("onnx",)


def add_export_command(sub: argparse._SubParsersAction) -> None:
    exp = sub.add_parser(
        "export",
        help="export a model to ONNX, to generate with onnxruntime alone",
        description="Export a model: step.onnx (one token + state in, logits + state out), "
        "prompt.onnx (a whole prompt), tokenizer.json and model.json, into OUT. "
        "examples/onnx_generate.py generates from them with onnxruntime, numpy and tokenizers.",
        formatter_class=HelpFormatter,
    )
    exp.add_argument("model", type=Path, metavar="DIR", help="a run folder or checkpoint file")
    exp.add_argument("out", type=_folder_name, metavar="OUT", help="the folder to write (created if needed)")
    exp.add_argument("--format", choices=FORMATS, default=FORMATS[0], help="what to export to")
    exp.set_defaults(handler=cmd_export)


def _folder_name(text: str) -> Path:
    # Path("") is the current folder: an empty name is a slip, not a wish to fill the folder one is in.
    if not text.strip():
        raise argparse.ArgumentTypeError("give the folder to write, not an empty name")
    return Path(text)


def cmd_export(args: argparse.Namespace) -> int:
    from training.checkpoints.checkpoint import load_model
    from training.checkpoints.export_onnx import export_onnx

    model, tokenizer, _ = load_model(args.model)
    for path in export_onnx(model, tokenizer, args.out):
        print(f"{path}  ({path.stat().st_size:,} bytes)")
    return exit_codes.OK
