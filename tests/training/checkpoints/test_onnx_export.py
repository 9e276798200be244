"""ONNX export: the exported step follows PyTorch's for 200 steps; the example needs no torch."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from lstm_core.sampling import SamplingSettings, generate, prompt_ids
from lstm_core.stepper import FusedStepper
from lstm_core.tokenizers import train_tokenizer
from tests.conftest import make_text
from training.checkpoints.export_onnx import export_onnx
from training.cli import main
from training.demo.tiny import tiny_model

pytest.importorskip("onnxruntime")

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "onnx_generate.py"


def _example():
    spec = importlib.util.spec_from_file_location("onnx_generate", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tokenizers():
    text = make_text(1500)
    return {"char": train_tokenizer("char", text), "bpe": train_tokenizer("bpe", text, 300)}


@pytest.mark.parametrize("level", ["char", "bpe"])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_onnx_step_follows_pytorch_for_200_steps(tmp_path: Path, tokenizers, cell: str, level: str) -> None:
    tok = tokenizers[level]
    model = tiny_model(tok.vocab_size, cell=cell, seed=3).eval()
    export_onnx(model, tok, tmp_path)
    onnx = _example().OnnxModel(tmp_path)
    prompt = "the cat sat on"
    assert onnx.prompt_ids(prompt) == prompt_ids(tok, prompt)  # the same tokenizer, through `tokenizers`
    ours = FusedStepper(model)
    torch_logits = ours.prefill(prompt_ids(tok, prompt)).numpy()
    logits, state = onnx.run_prompt(onnx.prompt_ids(prompt))
    worst = 0.0
    for _ in range(200):
        worst = max(worst, float(np.abs(logits - torch_logits).max()))
        token = int(torch_logits.argmax())
        assert int(logits.argmax()) == token
        logits, state = onnx.run_step(token, state)
        torch_logits = ours.step(token).numpy()
    assert worst < 1e-4
    greedy = "".join(generate(model, tok, prompt, SamplingSettings(max_tokens=200, greedy=True)))
    assert _example().generate(onnx, prompt, length=200, greedy=True) == greedy


def test_cli_export_and_the_example_imports_only_what_it_may(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text(make_text(), encoding="utf-8")
    tiny = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16", "--steps", "3"]
    assert main(["train", str(corpus), "--out", str(tmp_path / "m"), *tiny]) == 0
    capsys.readouterr()
    assert main(["export", str(tmp_path / "m"), "--format", "onnx", str(tmp_path / "out")]) == 0
    names = {Path(line.split()[0]).name for line in capsys.readouterr().out.splitlines()}
    assert names == {"step.onnx", "prompt.onnx", "tokenizer.json", "model.json"}
    assert main(["export", str(tmp_path / "m"), "--format", "tflite", str(tmp_path / "o2")]) == 2
    assert "--format" in capsys.readouterr().err
    imported = set()
    for node in ast.walk(ast.parse(EXAMPLE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"onnxruntime", "numpy", "tokenizers"}
