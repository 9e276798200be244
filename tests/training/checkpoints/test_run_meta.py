"""The run metadata every checkpoint carries: one type, read leniently."""

from __future__ import annotations

from pathlib import Path

from lstm_core.config import ModelConfig
from training.checkpoints.checkpoint import read_metadata
from training.checkpoints.run_meta import CorpusInfo, Metrics, Progress, RunMeta, ValidationPoint
from training.common.config import Budget, TrainConfig
from training.run_spec import contrast_rnn_spec, resume_spec


def _meta() -> RunMeta:
    return RunMeta(
        name="lstm",
        level="word",
        model=ModelConfig(vocab_size=40, hidden=48, embed=24, layers=2),
        training=TrainConfig(seq_len=32, budget=Budget(steps=9)),
        corpus=CorpusInfo(
            files=("/a.txt",), chars=100, tokens=30, encodings="utf-8", description="a (1 file)"
        ),
        progress=Progress(step=4, chunk_index=4, train_seconds=1.5, done=False),
        metrics=Metrics(val_loss=2.0, bits_per_char=1.1, history=(ValidationPoint(4, 1.5, 2.0, 1.1),)),
        saved_at=1.0,
    )


def test_round_trip_through_json_types() -> None:
    meta = _meta()
    assert RunMeta.from_dict(meta.to_dict()) == meta
    assert meta.resumable and meta.corpus.name == "a"


def test_an_older_checkpoints_metadata_still_reads() -> None:
    # The first format: budget as a steps/minutes pair, the evaluator's own metric names.
    old = {
        "format_version": 1,
        "model": {"vocab_size": 12, "cell": "rnn", "hidden": 8, "embed": 8},
        "training": {"seq_len": 16, "batch_size": 2, "steps": None, "minutes": 1.5},
        "progress": {"step": 3, "chunk_index": 3, "train_seconds": 2.0, "done": True},
        "metrics": {"loss_nats": 2.5, "tokens": 400, "history": [{"step": 3}]},
        "corpus": {"files": ["x.txt"]},
        "level": "char",
    }
    meta = RunMeta.from_dict(old)
    assert meta.training is not None and meta.training.budget == Budget(minutes=1.5)
    assert meta.metrics.val_loss == 2.5 and meta.metrics.tokens_scored == 400
    assert meta.metrics.history == ()  # a damaged point costs that point only
    assert meta.model is not None and meta.model.cell == "rnn"
    assert not meta.resumable


def test_missing_sections_take_defaults() -> None:
    meta = RunMeta.from_dict({})
    assert meta.training is None and meta.model is None and meta.progress.done


def test_the_engine_builds_the_resume_and_contrast_specs(tmp_path: Path, corpus_file: Path) -> None:
    from training.cli import main

    run = tmp_path / "run"
    tiny = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16", "--steps", "3"]
    assert main(["train", str(corpus_file), "--out", str(run), "--level", "word", *tiny]) == 0
    spec = resume_spec(run, train_options={"steps": 6})
    assert spec.paths == (str(corpus_file),) and spec.level == "word" and spec.resume
    assert not spec.compare_rnn  # no RNN was trained beside it
    rnn = contrast_rnn_spec(read_metadata(run), paths=spec.paths, out_dir=run / "rnn")
    assert rnn.model_options == {"cell": "rnn", "layers": 1, "hidden": 16, "embed": 8}
    assert rnn.level == "word"


def test_a_corpus_of_many_files_keeps_their_names_packed() -> None:
    import json

    from training.checkpoints.run_meta import PACK_FILES_ABOVE, CorpusInfo, RunMeta

    files = tuple(f"corpus/part{i % 100:02d}/file{i:05d}.txt" for i in range(50_000))
    meta = RunMeta(corpus=CorpusInfo(files=files, chars=10))
    stored = json.dumps(meta.to_dict())
    assert len(stored) < len(json.dumps(list(files))) / 5
    assert RunMeta.from_dict(json.loads(stored)).corpus.files == files
    few = RunMeta(corpus=CorpusInfo(files=files[:PACK_FILES_ABOVE]))
    assert json.loads(json.dumps(few.to_dict()))["corpus"]["files"] == list(files[:PACK_FILES_ABOVE])
