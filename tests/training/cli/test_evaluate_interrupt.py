"""Ctrl+C during `lstm-studio evaluate` gives the result of the tokens scored so far (and how
many), not only "interrupted"; the time a bar says is left is one it can stand by."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizers import train_tokenizer
from tests.conftest import make_text
from training.checkpoints.checkpoint import load_model, save_checkpoint
from training.checkpoints.run_meta import CorpusInfo, RunMeta
from training.cli import exit_codes, main
from training.data.ingest import ingest_corpus
from training.demo.tiny import tiny_model
from training.loop import document_eval
from training.loop.evaluate import evaluate_tokens

REPO = Path(__file__).resolve().parents[3]
SCORED_CHARS = 2_000_000
# Wide enough that scoring all of SCORED_CHARS takes minutes on one core (the tiny model's
# 32 units score it in a second): a Ctrl+C two seconds in lands mid-way.
SLOW = {"hidden": 512, "layers": 2}


def _run(tmp_path: Path, *, documents: str | None = None, **shape: int) -> tuple[Path, Path]:
    """An untrained char model (the tiny one, or of ``shape``) and a text to score with it."""
    tmp_path.mkdir(exist_ok=True)
    text = tmp_path / "text.txt"
    block = make_text(50_000)
    text.write_text(block * (SCORED_CHARS // len(block) + 1), encoding="utf-8")
    tokenizer = train_tokenizer("char", block)
    if documents is not None:
        tokenizer = DocumentTokenizer(tokenizer)
    meta = RunMeta(corpus=CorpusInfo(documents=documents)) if documents else RunMeta()
    model = tiny_model(tokenizer.vocab_size, **shape)
    save_checkpoint(tmp_path / "run", model=model, tokenizer=tokenizer, meta=meta)
    return tmp_path / "run", text


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl+C is a console event there, not SIGINT")
def test_ctrl_c_gives_the_loss_of_the_tokens_scored_so_far(tmp_path: Path) -> None:
    run, text = _run(tmp_path, **SLOW)
    cache = tmp_path / "cache"
    env = {**os.environ, "LSTM_STUDIO_CACHE": str(cache), "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "evaluate", str(run), str(text), "--json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(cache.glob("tokens-*/info.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.0)  # the text is in the cache: scoring has begun
        assert child.poll() is None, child.communicate()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == exit_codes.INTERRUPTED, err
    partial = json.loads(out)
    assert partial["interrupted"] is True
    assert 0 < partial["tokens"] < partial["planned_tokens"]
    # The same tokens scored by a capped run: the streams' first columns, the same loss.
    model, tokenizer, _ = load_model(run)
    corpus = ingest_corpus([text], tokenizer=tokenizer, cache_dir=cache)
    capped = evaluate_tokens(model, corpus.tokens, chars=corpus.chars, max_tokens=partial["tokens"])
    assert capped.tokens == partial["tokens"]
    assert partial["loss_nats"] == pytest.approx(capped.loss_nats, rel=1e-5)
    assert partial["bits_per_char"] == pytest.approx(capped.bits_per_char, rel=1e-5)


def test_a_run_to_its_end_sums_the_loss_as_the_scorer_does(tmp_path: Path, capsys) -> None:
    from training.cli.evaluate import _RunningLoss

    run, text = _run(tmp_path)
    model, tokenizer, _ = load_model(run)
    corpus = ingest_corpus([text], tokenizer=tokenizer, cache_dir=tmp_path / "cache")
    running = _RunningLoss(chars=corpus.chars, tokens=len(corpus.tokens))
    with running.hear(model):
        whole = evaluate_tokens(model, corpus.tokens, chars=corpus.chars, max_tokens=20_000)
    assert running.result().tokens == whole.tokens
    assert running.result().loss_nats == pytest.approx(whole.loss_nats, rel=1e-9)
    assert running.result().bits_per_char == pytest.approx(whole.bits_per_char, rel=1e-9)


def test_ctrl_c_on_a_documents_model_says_how_much_was_scored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    run, text = _run(tmp_path, documents="lines")
    real = document_eval.evaluate_documents

    def pressed_once_scoring_began(*args, on_progress, **kwargs):  # type: ignore[no-untyped-def]
        def progress(done: int, total: int) -> None:
            if done:
                os.kill(os.getpid(), signal.SIGINT)
            on_progress(done, total)

        return real(*args, on_progress=progress, **kwargs)

    monkeypatch.setattr(document_eval, "evaluate_documents", pressed_once_scoring_began)
    code = main(["evaluate", str(run), str(text), "--json", "--max-tokens", "200000"])
    assert code == exit_codes.INTERRUPTED
    partial = json.loads(capsys.readouterr().out)
    assert partial["interrupted"] is True and 0 < partial["tokens"] < partial["planned_tokens"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _scoring_lines(args: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    assert main(args) == exit_codes.OK
    return [line for line in stream.getvalue().replace("\r", "\n").splitlines() if line.startswith("scoring")]


def test_a_documents_bar_shows_no_time_left_that_it_cannot_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Documents are scored shortest first: tokens per second climb through the run, and a time
    # left from the rate so far was several times too long. The stream's chunks are all alike.
    run, text = _run(tmp_path, documents="lines")
    lines = _scoring_lines(["evaluate", str(run), str(text), "--max-tokens", "300000"], monkeypatch)
    assert lines and not any("<" in line for line in lines)
    stream_run, _ = _run(tmp_path / "stream")
    lines = _scoring_lines(["evaluate", str(stream_run), str(text), "--max-tokens", "300000"], monkeypatch)
    assert any("<" in line for line in lines)  # elapsed<left


def test_a_mistyped_cache_limit_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    run, text = _run(tmp_path)
    monkeypatch.setenv("LSTM_STUDIO_CACHE_MAX_GB", "twenty")
    assert main(["evaluate", str(run), str(text)]) == exit_codes.BAD_INPUT
    assert "LSTM_STUDIO_CACHE_MAX_GB" in capsys.readouterr().err
