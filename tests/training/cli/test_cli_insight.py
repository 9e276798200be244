from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstm_core.tokenizers import train_tokenizer
from training.checkpoints.checkpoint import save_checkpoint
from training.checkpoints.run_meta import RunMeta
from training.cli import main
from training.demo.tiny import tiny_model, write_fallback_corpus


@pytest.fixture
def char_run(tmp_path: Path) -> tuple[Path, Path]:
    """An untrained char LSTM with its RNN in run/rnn, as `train --compare-rnn` lays them out."""
    text_path = write_fallback_corpus(tmp_path / "text.txt", repeats=8)
    tokenizer = train_tokenizer("char", text_path.read_text(encoding="utf-8") + '"()#')
    save_checkpoint(
        tmp_path / "run", model=tiny_model(tokenizer.vocab_size), tokenizer=tokenizer, meta=RunMeta()
    )
    rnn = tiny_model(tokenizer.vocab_size, cell="rnn")
    save_checkpoint(tmp_path / "run" / "rnn", model=rnn, tokenizer=tokenizer, meta=RunMeta())
    return tmp_path / "run", text_path


def test_context_measures_the_run_and_its_rnn(char_run: tuple[Path, Path], capsys) -> None:
    run, text = char_run
    assert main(["context", str(run), str(text), "--json", "--tokens", "32"]) == 0
    models = json.loads(capsys.readouterr().out)["models"]
    assert [(m["name"], m["cell"]) for m in models] == [("run", "lstm"), ("rnn", "rnn")]
    assert all(m["scored"] == 32 and "1" in m["losses"] and m["within"] == 0.01 for m in models)
    assert main(["context", str(run), str(text), "--tokens", "32"]) == 0
    out = capsys.readouterr().out
    assert "the RUN uses" in out and "full" in out


def test_units_table_and_json(char_run: tuple[Path, Path], capsys) -> None:
    run, text = char_run
    assert main(["units", str(run), str(text), "--regex", "fox|cat", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert "word start" in out and "/fox|cat/" in out and "(absent from this text)" in out
    assert main(["units", str(run), str(text), "--json", "--no-baseline"]) == 0
    props = {p["name"]: p for p in json.loads(capsys.readouterr().out)["properties"]}
    assert len(props["column"]["best"]) == 3 and props["column"]["baseline"] is None
    assert props["quote"]["best"] == []


def test_bad_input_is_one_line(char_run: tuple[Path, Path], capsys) -> None:
    run, text = char_run
    assert main(["units", str(run), str(text), "--regex", "("]) == 2
    err = capsys.readouterr().err
    assert "not a regular expression" in err and err.count("\n") == 1
    assert main(["context", str(run), str(text.parent / "missing.txt")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_generate_with_a_clamp(char_run: tuple[Path, Path], capsys) -> None:
    run, _ = char_run
    base = ["generate", str(run), "--prompt", "The ", "--length", "20", "--greedy"]
    assert main(base) == 0
    free = capsys.readouterr().out
    held = [arg for unit in range(0, 32, 2) for arg in ("--clamp", f"0:{unit}=6")]
    assert main(base + held) == 0
    assert capsys.readouterr().out != free
    assert main([*base, "--clamp", "0:99=1"]) == 2
    assert "32 units" in capsys.readouterr().err
    assert main([*base, "--clamp", "nonsense"]) == 2
    assert "LAYER:UNIT=VALUE" in capsys.readouterr().err
