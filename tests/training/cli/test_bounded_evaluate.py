"""Scoring a documents model reads its text a batch at a time: `--max-tokens` caps the work,
the figures are those of scoring each document alone, and memory stays flat on a big file."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizers import train_tokenizer
from tests.peak_memory import cli_peak
from training.checkpoints.checkpoint import load_model, save_checkpoint
from training.checkpoints.run_meta import CorpusInfo, RunMeta
from training.cli import main
from training.demo.tiny import tiny_model

LINES = [
    f"the {a} sees a {b} near {n}" for n in range(12) for a in ("cat", "owl", "fox") for b in ("hen", "yak")
]
PEAK_MB = 600  # the old way held the whole text, split and as Python ints: 2.26 GB for 100 MB


@pytest.fixture
def lines_model(tmp_path: Path) -> tuple[Path, Path]:
    """An untrained char LSTM of a run trained on one document per line, and its text."""
    text = tmp_path / "items.txt"
    text.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    tokenizer = DocumentTokenizer(train_tokenizer("char", text.read_text(encoding="utf-8")))
    meta = RunMeta(corpus=CorpusInfo(documents="lines"))
    model = tiny_model(tokenizer.vocab_size)
    save_checkpoint(tmp_path / "run", model=model, tokenizer=tokenizer, meta=meta)
    return tmp_path / "run", text


@torch.no_grad()
def reference_loss(run: Path, documents: list[str]) -> tuple[float, int]:
    """Each document on its own, from a fresh state primed with <eod>, its closing <eod> scored."""
    model, tokenizer, _ = load_model(run)
    model.eval()
    eod = tokenizer.vocab_size - 1
    total, count = 0.0, 0
    for document in documents:
        row = torch.tensor([[eod, *tokenizer.encode(document), eod]])
        logits = model(row[:, :-1]).logits.float()
        total += float(F.cross_entropy(logits[0], row[0, 1:], reduction="sum"))
        count += row.shape[1] - 1
    return total / count, count


def test_documents_score_as_each_alone(lines_model: tuple[Path, Path], capsys) -> None:
    run, text = lines_model
    assert main(["evaluate", str(run), str(text), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    loss, count = reference_loss(run, LINES)
    assert scored["tokens"] == count == len(text.read_text(encoding="utf-8"))
    assert scored["loss_nats"] == pytest.approx(loss, abs=1e-6)


def test_max_tokens_caps_the_documents_scored(lines_model: tuple[Path, Path], capsys) -> None:
    run, text = lines_model
    assert main(["evaluate", str(run), str(text), "--json", "--max-tokens", "100"]) == 0
    scored = json.loads(capsys.readouterr().out)
    longest = max(len(line) for line in LINES) + 1
    assert 100 <= scored["tokens"] < 100 + longest  # whole documents, up to the one that reaches 100
    assert math.isfinite(scored["loss_nats"])


def test_a_big_text_is_scored_in_flat_memory(lines_model: tuple[Path, Path], tmp_path: Path) -> None:
    run, _ = lines_model
    big = tmp_path / "big.txt"
    block = ("\n".join(LINES) + "\n").encode()
    with big.open("wb") as out:
        for _ in range(50_000_000 // len(block)):
            out.write(block)
    code, peak_mb = cli_peak(["evaluate", str(run), str(big), "--json", "--max-tokens", "2000"])
    assert code == 0 and peak_mb < PEAK_MB
