"""Runs on the token cache: what they record, and evaluation of whole or capped text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.checkpoints.checkpoint import load_checkpoint
from training.cli import main
from training.common.events import Event, FinishedEvent, IngestEvent
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.run import run_training
from training.run_spec import RunSpec, resume_spec


def test_a_run_records_the_corpus_fingerprint_and_scores_a_capped_sample(
    corpus_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LSTM_STUDIO_CACHE", str(tmp_path / "cache"))  # its own: the first run tokenises
    out = tmp_path / "m"
    events: list[Event] = []
    spec = RunSpec(
        paths=(str(corpus_file),),
        out_dir=out,
        model_options=dict(TINY_MODEL),
        train_options={**TINY_TRAIN, "eval_tokens": 512},
    )
    finished = run_training(spec, on_event=events.append)
    meta = load_checkpoint(out).meta
    assert len(meta.corpus.fingerprint) == 64 and int(meta.corpus.fingerprint, 16) >= 0
    assert meta.corpus.tokens is not None and meta.corpus.tokens > 10_000
    # The final validation scored the capped sample, and says how much it scored.
    assert meta.metrics.tokens_scored is not None and 0 < meta.metrics.tokens_scored <= 512
    assert finished[0].tokens_scored == meta.metrics.tokens_scored
    assert any(isinstance(e, IngestEvent) and e.stage == "tokenising" for e in events)

    resumed: list[Event] = []
    more = resume_spec(out, train_options={"steps": TINY_TRAIN["steps"] + 4})
    run_training(more, on_event=resumed.append)
    stages = {e.stage for e in resumed if isinstance(e, IngestEvent)}
    assert "reusing tokens" in stages and "tokenising" not in stages  # resume maps the cached file
    assert load_checkpoint(out).meta.corpus.fingerprint == meta.corpus.fingerprint
    assert [e.steps for e in resumed if isinstance(e, FinishedEvent)] == [TINY_TRAIN["steps"] + 4]


def test_evaluate_scores_every_token_or_a_capped_sample(corpus_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "m"
    tiny = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16", "--steps", "3"]
    assert main(["train", str(corpus_file), "--out", str(out), "--json", *tiny]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), str(corpus_file), "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert main(["evaluate", str(out), str(corpus_file), "--json", "--max-tokens", "1000"]) == 0
    capped = json.loads(capsys.readouterr().out)
    total = load_checkpoint(out).meta.corpus.tokens
    assert total is not None and whole["tokens"] > 0.99 * total  # all of it, bar the stream ends
    assert 0 < capped["tokens"] <= 1000
    assert abs(capped["loss_nats"] - whole["loss_nats"]) < 0.5  # a sample of the same text
    assert main(["evaluate", str(out), str(corpus_file), "--max-tokens", "0"]) == 2
