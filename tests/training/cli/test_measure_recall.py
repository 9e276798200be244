"""`recall` and `gradflow` on a person's model: the text given, else the end of its own corpus;
the demo's text only for the demo; one line on what was measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstm_core.tokenizers import train_tokenizer
from training.checkpoints.checkpoint import save_checkpoint
from training.checkpoints.run_meta import CorpusInfo, RunMeta
from training.cli import main
from training.demo.tiny import tiny_model

LINE = 'def get(name):\n    return table["name"] + (name, count)\n'


@pytest.fixture
def code_run(tmp_path: Path) -> tuple[Path, Path]:
    """An untrained char LSTM whose checkpoint names its corpus, its RNN beside it, and a held-out text."""
    corpus = tmp_path / "corpus.py"
    corpus.write_text("".join(LINE.replace("name", f"key{i % 9}") for i in range(80)), encoding="utf-8")
    held = tmp_path / "held.py"
    held.write_text("".join(LINE.replace("name", f"val{i % 5}") for i in range(60)), encoding="utf-8")
    tokenizer = train_tokenizer("char", corpus.read_text(encoding="utf-8") + "v")
    meta = RunMeta(corpus=CorpusInfo(files=(str(corpus),)))
    save_checkpoint(tmp_path / "run", model=tiny_model(tokenizer.vocab_size), tokenizer=tokenizer, meta=meta)
    rnn = tiny_model(tokenizer.vocab_size, cell="rnn")
    save_checkpoint(tmp_path / "run" / "rnn", model=rnn, tokenizer=tokenizer, meta=meta)
    return tmp_path / "run", held


def test_recall_measures_the_run_and_its_rnn_on_the_end_of_the_text(code_run, capsys) -> None:
    run, held = code_run
    assert main(["recall", str(run), str(held), "--window", "64", "--tokens", "1200", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(c["name"], c["kind"]) for c in report["curves"]] == [
        ("lstm", "word"),
        ("lstm", "closer"),
        ("rnn", "word"),
        ("rnn", "closer"),
    ]
    assert report["text"]["whole"] and report["scored"] == 1200
    assert str(held) in report["measured_on"] and report["verdict"]
    bins = report["curves"][0]["bins"]
    assert bins and {"low", "high", "cases", "loss", "loss_se", "gain", "gain_se", "unigram"} <= set(bins[0])
    assert main(["recall", str(run), str(held), "--window", "64", "--tokens", "1200"]) == 0
    out = capsys.readouterr().out
    assert "measured on 1,200 tokens of" in out and "closer cases" in out


def test_recall_reads_the_own_corpus_and_takes_a_second_model(code_run, capsys) -> None:
    run, _ = code_run
    args = ["--window", "64", "--tokens", "600", "--json"]
    assert main(["recall", str(run), str(run / "rnn"), *args]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "its own corpus (corpus.py" in report["measured_on"] and not report["text"]["whole"]
    assert [c["name"] for c in report["curves"]] == ["lstm", "lstm", "rnn", "rnn"]


def test_recall_without_a_text_to_read_is_one_line(tmp_path: Path, capsys) -> None:
    tokenizer = train_tokenizer("char", LINE)
    save_checkpoint(
        tmp_path / "run", model=tiny_model(tokenizer.vocab_size), tokenizer=tokenizer, meta=RunMeta()
    )
    assert main(["recall", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "give the held-out text" in err
    (tmp_path / "short.txt").write_text(LINE, encoding="utf-8")
    assert main(["recall", str(tmp_path / "run"), str(tmp_path / "short.txt")]) == 2
    assert "at least" in capsys.readouterr().err


def test_gradflow_defaults_to_the_own_corpus_and_explodes_the_rnn(code_run, capsys) -> None:
    run, _ = code_run
    assert main(["gradflow", str(run), "--max-k", "20", "--windows", "2", "--explode", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(m["name"], m["scale"]) for m in out["models"]] == [("run", 1.0), ("rnn", 1.0), ("rnn x3", 3.0)]
    assert all("its own corpus (corpus.py" in m["measured_on"] for m in out["models"])
    assert "2 windows of 37 tokens" in out["text"]
    assert main(["gradflow", str(run), "--max-k", "20", "--windows", "2"]) == 0
    assert "measured on 2 windows" in capsys.readouterr().out


def test_gradflow_of_a_model_without_its_corpus_asks_for_a_text(tmp_path: Path, capsys) -> None:
    tokenizer = train_tokenizer("char", LINE)
    save_checkpoint(
        tmp_path / "run", model=tiny_model(tokenizer.vocab_size), tokenizer=tokenizer, meta=RunMeta()
    )
    assert main(["gradflow", str(tmp_path / "run"), "--max-k", "20", "--windows", "2"]) == 2
    assert "give the text to measure on" in capsys.readouterr().err


def test_recall_reads_the_end_of_a_big_text_in_flat_memory(code_run, tmp_path: Path) -> None:
    from tests.peak_memory import cli_peak

    run, _ = code_run
    big = tmp_path / "big.py"
    with big.open("w", encoding="utf-8") as out:
        for _ in range(50_000_000 // (len(LINE) * 1000)):
            out.write(LINE * 1000)
    args = ["recall", str(run), str(big), "--window", "64", "--tokens", "600", "--json"]
    code, peak_mb = cli_peak(args)
    assert code == 0 and peak_mb < 600  # reading the whole text first: over 1 GB for 50 MB
