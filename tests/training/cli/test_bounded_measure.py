"""`context`, `units` and `gradflow` read only the start of a text, as much as they measure
on, say how much that was, and give the figures the whole text gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstm_core.measure.units import rank_units
from lstm_core.tokenizers import train_tokenizer
from tests.peak_memory import cli_peak
from training.checkpoints.checkpoint import load_model, save_checkpoint
from training.checkpoints.run_meta import RunMeta
from training.cli import main
from training.data.corpus import load_corpus
from training.demo.tiny import tiny_model

LINE = 'the cat (sees) a "hen" near the river, and the owl finds a yak.\n'
PEAK_MB = 600  # reading the whole text first: over 1 GB for 50 MB


@pytest.fixture
def char_run(tmp_path: Path) -> tuple[Path, Path]:
    """An untrained char LSTM and a text of 1,300 lines."""
    text = tmp_path / "text.txt"
    text.write_text(LINE * 1300, encoding="utf-8")
    tokenizer = train_tokenizer("char", LINE)
    save_checkpoint(
        tmp_path / "run", model=tiny_model(tokenizer.vocab_size), tokenizer=tokenizer, meta=RunMeta()
    )
    return tmp_path / "run", text


def test_units_say_what_they_read_and_match_the_whole_text(char_run: tuple[Path, Path], capsys) -> None:
    run, text = char_run
    assert main(["units", str(run), str(text), "--json", "--no-baseline", "--tokens", "2000"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["text"]["tokens"] == 2000 and not report["text"]["whole"]
    assert 2000 <= report["text"]["chars"] < 20_000
    model, tokenizer, _ = load_model(run)
    whole = rank_units(model, tokenizer, load_corpus([text], min_chars=2).text, max_tokens=2000)
    assert json.dumps(report["properties"]) == json.dumps(whole.to_dict()["properties"])


def test_context_says_what_it_read(char_run: tuple[Path, Path], capsys) -> None:
    run, text = char_run
    assert main(["context", str(run), str(text), "--tokens", "32"]) == 0
    assert "measured on the first" in capsys.readouterr().out
    assert main(["context", str(run), str(text), "--json", "--tokens", "32"]) == 0
    measured = json.loads(capsys.readouterr().out)["text"]
    assert measured["tokens"] == 1000 + 8 * 32 + 2 and not measured["whole"]


def test_a_short_text_is_read_whole(char_run: tuple[Path, Path]) -> None:
    from training.cli.measure import read_start

    run, text = char_run
    _, tokenizer, _ = load_model(run)
    start = read_start(text, tokenizer, 10**6)
    assert start.whole and start.text == text.read_text(encoding="utf-8")


def test_a_big_text_is_measured_in_flat_memory(char_run: tuple[Path, Path], tmp_path: Path) -> None:
    run, _ = char_run
    big = tmp_path / "big.txt"
    with big.open("w", encoding="utf-8") as out:
        for _ in range(50_000_000 // (len(LINE) * 1000)):
            out.write(LINE * 1000)
    code, peak_mb = cli_peak(["context", str(run), str(big), "--json", "--tokens", "16"])
    assert code == 0 and peak_mb < PEAK_MB
