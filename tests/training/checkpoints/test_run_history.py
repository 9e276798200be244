"""The run history the Runs tab lists: scanning run folders, their states, rename and delete."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from training.checkpoints.checkpoint import load_model, save_checkpoint
from training.checkpoints.run_history import (
    ModelRecord,
    chance_loss,
    delete_run,
    read_note,
    read_run,
    rename_run,
    scan_runs,
    write_note,
)
from training.checkpoints.run_meta import Metrics, Progress
from training.demo.tiny import train_tiny_models, write_fallback_corpus


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    corpus = write_fallback_corpus(root / "corpus.txt")
    lstm, _rnn = train_tiny_models(corpus, root / "run", steps=20)
    return lstm.parent


def resave(src: Path, dst: Path, **changes: object) -> Path:
    """A copy of a run's main checkpoint with some metadata changed."""
    model, tokenizer, meta = load_model(src)
    return save_checkpoint(dst, model=model, tokenizer=tokenizer, meta=meta.updated(**changes))


def test_a_run_folder_becomes_one_record_with_its_rnn_and_history(tiny_run, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(tiny_run, runs / "first")
    write_note(runs / "first", preset="quick")
    (runs / "not-a-run").mkdir()
    (runs / "damaged").mkdir()
    (runs / "damaged" / "checkpoint.safetensors").write_bytes(b"nonsense")
    records = scan_runs(runs)
    assert [r.name for r in records] == ["first"]  # the damaged one is skipped, not fatal
    run = records[0]
    assert run.main.cell == "lstm" and run.rnn is not None and run.rnn.cell == "rnn"
    assert run.preset == "quick" and run.level == "char" and run.budget == "20 steps"
    assert run.state == "finished" and run.main.steps == 20
    assert run.main.history and run.best_val_loss == min(p.val_loss for p in run.main.history)
    assert run.main.best_val_loss < run.main.chance_loss


def test_states_resumable_and_diverged(tiny_run, tmp_path):
    meta = read_run(tiny_run)
    resave(tiny_run, tmp_path / "paused", progress=Progress(step=7, done=False))
    assert read_run(tmp_path / "paused").state == "resumable"
    vocab_chance = meta.main.chance_loss
    resave(tiny_run, tmp_path / "bad", metrics=Metrics(val_loss=vocab_chance + 3.0))
    assert read_run(tmp_path / "bad").state == "diverged"
    nan_model = replace(meta.main, val_loss=math.nan)
    assert isinstance(nan_model, ModelRecord) and nan_model.worse_than_chance
    assert chance_loss(65) == pytest.approx(math.log(65))


def test_rename_and_delete(tiny_run, tmp_path):
    folder = tmp_path / "runs" / "a"
    shutil.copytree(tiny_run, folder)
    shutil.copytree(tiny_run, tmp_path / "runs" / "b")
    with pytest.raises(ValueError, match="already exists"):
        rename_run(folder, "b")
    with pytest.raises(ValueError, match="not a usable folder name"):
        rename_run(folder, "x/y")
    renamed = rename_run(folder, "  shakespeare best ")
    assert renamed.name == "shakespeare best" and (renamed / "checkpoint.safetensors").is_file()
    assert not folder.exists()
    with pytest.raises(ValueError, match="not a run folder"):
        delete_run(tmp_path)
    delete_run(renamed)
    assert not renamed.exists() and [r.name for r in scan_runs(tmp_path / "runs")] == ["b"]


def test_a_missing_or_damaged_note_costs_only_the_preset(tmp_path):
    assert read_note(tmp_path) == {}
    (tmp_path / "run_note.json").write_text("{not json", encoding="utf-8")
    assert read_note(tmp_path) == {}


def test_corpus_counts_match_the_file(tmp_path):
    from training.data.corpus import CorpusError, load_corpus

    short = tmp_path / "two.txt"
    short.write_bytes(b"ab")
    with pytest.raises(CorpusError, match=r"\(2 characters"):
        load_corpus([short])
    body = "To be, or not to be: that is the question. " * 40 + "Ωμέγα"  # no final newline
    one = tmp_path / "one.txt"
    one.write_text(body, encoding="utf-8")
    corpus = load_corpus([one])
    assert len(corpus.text) == len(body) and set(corpus.text) == set(body)


def test_divergence_and_overfitting_are_told_apart():
    from training.loop.rollback_message import Rollback, rollback_message

    base = dict(best_step=5, best_loss=2.1, final_step=27, chance=4.42, clipped=False)
    diverged = rollback_message(Rollback(**base, final_loss=16.439, train_at_best=2.3, train_now=14.0))
    assert "diverged" in diverged and "overfit" not in diverged
    assert "lower learning rate" in diverged and "clipping on" in diverged and "4.42" in diverged
    overfit = rollback_message(Rollback(**base, final_loss=2.3, train_at_best=2.0, train_now=1.6))
    assert "overfitting" in overfit and "diverged" not in overfit and "2.300" in overfit
    clipped = rollback_message(
        Rollback(**{**base, "clipped": True}, final_loss=3.0, train_at_best=2.0, train_now=2.9)
    )
    assert "diverged" in clipped and "clipping" not in clipped  # rising training loss, clipping already on
