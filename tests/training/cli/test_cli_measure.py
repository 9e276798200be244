from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstm_core.tokenizers import train_tokenizer
from training.checkpoints.checkpoint import save_checkpoint
from training.checkpoints.run_meta import RunMeta
from training.cli import main
from training.demo.assets import assets_dir
from training.demo.demo_corpus import corpus_text
from training.demo.tiny import tiny_model


@pytest.fixture
def tiny_runs(tmp_path: Path) -> list[Path]:
    text = corpus_text(200, seed=0)
    (tmp_path / "text.txt").write_text(text, encoding="utf-8")
    tokenizer = train_tokenizer("word", text)
    runs = []
    for cell in ("lstm", "rnn"):
        model = tiny_model(tokenizer.vocab_size, cell=cell)
        save_checkpoint(tmp_path / cell, model=model, tokenizer=tokenizer, meta=RunMeta())
        runs.append(tmp_path / cell)
    return runs


def test_probe_json_has_the_promised_shape(tiny_runs: list[Path], capsys: pytest.CaptureFixture) -> None:
    assert main(["probe", *map(str, tiny_runs), "--json", "--per-bucket", "2"]) == 0
    models = json.loads(capsys.readouterr().out)["models"]
    assert [(m["name"], m["cell"]) for m in models] == [("lstm", "lstm"), ("rnn", "rnn")]
    assert [b["distance"] for b in models[0]["buckets"]] == [0, 50, 100, 150, 200, 250, 300]
    assert all(set(b) == {"distance", "accuracy", "n"} and b["n"] == 2 for b in models[0]["buckets"])


def test_gradflow_json_has_the_promised_shape(tiny_runs: list[Path], capsys: pytest.CaptureFixture) -> None:
    text = tiny_runs[0].parent / "text.txt"
    args = ["gradflow", *map(str, tiny_runs), "--text", str(text), "--max-k", "30", "--windows", "2"]
    assert main([*args, "--json"]) == 0
    models = json.loads(capsys.readouterr().out)["models"]
    assert [m["cell"] for m in models] == ["lstm", "rnn"]
    assert list(models[1]["norms"]) == [str(k) for k in range(1, 31)]


def test_a_missing_model_is_one_line_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["probe", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no checkpoint" in err


def test_assets_are_found_beside_the_packages() -> None:
    assert assets_dir() == Path(__file__).resolve().parents[3] / "assets"
