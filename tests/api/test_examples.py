"""Each example in examples/ that uses the Python API runs, with a tiny model, and says
what it promises to."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from training.demo.tiny import write_fallback_corpus

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TINY_ARGS = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16"]


def example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(run folder, corpus): what train_and_generate.py leaves, for the other examples."""
    corpus = write_fallback_corpus(tmp_path_factory.mktemp("examples") / "corpus.txt")
    out = corpus.parent / "run"
    args = [str(corpus), "--out", str(out), "--steps", "12", *TINY_ARGS, "--length", "20"]
    assert example("train_and_generate").main(args) == 0
    return out, corpus


def test_train_and_generate_trains_saves_and_writes(
    tiny_run: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out, corpus = tiny_run
    assert (out / "checkpoint.safetensors").is_file()
    # Again into the same folder: the example replaces its own run.
    args = [str(corpus), "--out", str(out), "--steps", "3", *TINY_ARGS, "--length", "20", "--prompt", "The "]
    assert example("train_and_generate").main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("completed after 3 steps")
    assert lines[1].startswith("The ") and len(lines[1]) > len("The ")


def test_write_with_a_model_streams_then_samples(capsys: pytest.CaptureFixture[str]) -> None:
    assert example("write_with_a_model").main(["--length", "20", "--samples", "2"]) == 0  # the demo LSTM
    out = capsys.readouterr().out
    assert out.startswith("lstm, ")
    assert "--- seed 7 " in out and "--- seed 8 " in out


def test_measure_a_model_scores_and_looks_inside(
    tiny_run: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out, corpus = tiny_run
    args = [str(out), str(corpus), "--max-tokens", "800", "--context-tokens", "32", "--unit-tokens", "600"]
    assert example("measure_a_model").main(args) == 0
    printed = capsys.readouterr().out
    assert "bits/char" in printed and "loss seeing only the last k tokens" in printed
