"""Export a model to ONNX, to run where PyTorch is not: onnxruntime, numpy and tokenizers.

The folder written holds:

- ``step.onnx``: one token per row and the state in; (B, V) logits and the new state out.
- ``prompt.onnx``: (B, T) tokens and the state in; (B, T, V) logits and the state out.
- ``tokenizer.json``: a Hugging Face ``tokenizers`` file at every level (characters are a
  one-character-per-token word-level model), so encoding needs only that library.
- ``model.json``: the cell, the state shapes, <unk> and end-of-document ids, and every
  token's bytes in hex, so decoding is exact at every level (BPE tokens are bytes, not text).

State inputs and outputs are ``h`` (layers, B, H) and, for the LSTM, ``c``. Both graphs
use torch's TorchScript exporter (``dynamo=False``): it needs nothing beyond torch and
writes the fused LSTM, GRU and RNN as ONNX's own recurrent operators.

Each file is written under a temporary name, and all four are renamed into place once they
are whole (``output_files.write_files_whole``): a full disk leaves the folder as it was, with
an error that names the file, never a half-written model.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from lstm_core.model import LanguageModel
from lstm_core.tokenizers import CharTokenizer, HFTokenizerAdapter, Tokenizer
from training.checkpoints.output_files import Writer, write_files_whole

FORMAT = "lstm-studio-onnx"
VERSION = 1
OPSET = 17
_CHAR_PATTERN = r"[\s\S]"  # every character on its own, line breaks included


class _Graph(nn.Module):
    """The model with its state as plain tensors in and out; ``last`` keeps only the last step."""

    def __init__(self, model: LanguageModel, *, last: bool) -> None:
        super().__init__()
        self.model = model
        self.last = last
        self.lstm = model.config.cell == "lstm"

    def forward(self, tokens: Tensor, h: Tensor, c: Tensor | None = None) -> tuple[Tensor, ...]:
        out = self.model(tokens, (h, c) if self.lstm else h)
        logits = out.logits[:, -1] if self.last else out.logits
        state = out.state if isinstance(out.state, tuple) else (out.state,)
        return (logits, *state)


def _export_graph(model: LanguageModel, path: Path, *, last: bool) -> None:
    cfg = model.config
    lstm = cfg.cell == "lstm"
    tokens = torch.zeros((1, 1 if last else 3), dtype=torch.long)
    h = torch.zeros((cfg.layers, 1, cfg.hidden))
    inputs: tuple[Tensor, ...] = (tokens, h, torch.zeros_like(h)) if lstm else (tokens, h)
    state_names = ["h", "c"] if lstm else ["h"]
    axes: dict[str, dict[int, str]] = {"tokens": {0: "batch"} if last else {0: "batch", 1: "time"}}
    axes["logits"] = {0: "batch"} if last else {0: "batch", 1: "time"}
    for name in state_names:
        axes[name] = axes[f"{name}_out"] = {1: "batch"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's advice about state inputs: we pass them
        torch.onnx.export(
            _Graph(model, last=last).eval(),
            inputs,
            str(path),
            dynamo=False,
            opset_version=OPSET,
            input_names=["tokens", *state_names],
            output_names=["logits", *(f"{n}_out" for n in state_names)],
            dynamic_axes=axes,
        )


def _base(tokenizer: Tokenizer) -> Tokenizer:
    return getattr(tokenizer, "base", tokenizer)  # a DocumentTokenizer wraps the real one


def hf_tokenizer_json(tokenizer: Tokenizer) -> str:
    """The tokenizer as a Hugging Face ``tokenizers`` file, ids unchanged."""
    base = _base(tokenizer)
    if isinstance(base, HFTokenizerAdapter):
        return base.hf.to_str()
    if isinstance(base, CharTokenizer):
        from tokenizers import Regex, models, pre_tokenizers
        from tokenizers import Tokenizer as HFTokenizer

        vocab = {ch: i for i, ch in enumerate(base.chars)}
        hf = HFTokenizer(models.WordLevel(vocab, unk_token=base.chars[0]))
        hf.pre_tokenizer = pre_tokenizers.Split(Regex(_CHAR_PATTERN), behavior="isolated")
        return hf.to_str()
    raise ValueError(f"no ONNX export for a {base.level} tokenizer")


def model_card(model: LanguageModel, tokenizer: Tokenizer) -> dict[str, Any]:
    cfg = model.config
    return {
        "format": FORMAT,
        "version": VERSION,
        "level": tokenizer.level,
        "cell": cfg.cell,
        "layers": cfg.layers,
        "hidden": cfg.hidden,
        "vocab_size": tokenizer.vocab_size,
        "unk_id": tokenizer.unk_id,
        "eod_id": tokenizer.eod_id,
        "state": ["h", "c"] if cfg.cell == "lstm" else ["h"],
        "token_bytes": [tokenizer.token_bytes(i).hex() for i in range(tokenizer.vocab_size)],
    }


@torch.no_grad()
def export_onnx(model: LanguageModel, tokenizer: Tokenizer, out_dir: str | Path) -> list[Path]:
    """Write the four files into out_dir (created if needed); returns their paths."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    # A copy: the caller's model (the window's, perhaps bf16 or on a GPU) stays as it was.
    model = copy.deepcopy(model).float().eval().cpu()
    tokenizer_json = hf_tokenizer_json(tokenizer)  # a tokenizer with no export fails before any file
    card = json.dumps(model_card(model, tokenizer), indent=1)
    files: dict[Path, Writer] = {
        out / "step.onnx": lambda path: _export_graph(model, path, last=True),
        out / "prompt.onnx": lambda path: _export_graph(model, path, last=False),
        out / "tokenizer.json": lambda path: path.write_text(tokenizer_json, encoding="utf-8"),
        out / "model.json": lambda path: path.write_text(card, encoding="utf-8"),
    }
    write_files_whole(files)
    return list(files)
