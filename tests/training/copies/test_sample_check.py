"""After a run, samples that copy the corpus wholesale get one line that says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.checkpoints.checkpoint import load_model, read_metadata
from training.common.events import Event, FinishedEvent, WarningEvent
from training.copies.copy_check import CopiedSpan
from training.copies.copy_summary import CopySummary
from training.copies.sample_check import (
    CHECK_FROM_PASSES,
    MEMORISED_SHARE,
    MEMORISED_SPAN_CHARS,
    check_samples,
    memorised_copies_message,
)
from training.demo.tiny import write_fallback_corpus
from training.run import run_training
from training.run_spec import RunSpec


def _summary(share: float, longest: int) -> CopySummary:
    span = CopiedSpan(0, longest, "notes.txt, line 3") if longest else None
    return CopySummary(samples=3, tokens=300, chars=900, longest=span, copied_share=share, min_chars=50)


def test_phrases_shared_with_the_corpus_are_not_memorisation() -> None:
    assert memorised_copies_message(_summary(0.05, 70)) is None
    assert memorised_copies_message(_summary(MEMORISED_SHARE - 0.01, MEMORISED_SPAN_CHARS - 1)) is None


@pytest.mark.parametrize(("share", "longest"), [(MEMORISED_SHARE, 80), (0.1, MEMORISED_SPAN_CHARS)])
def test_copied_passages_are_memorisation(share: float, longest: int) -> None:
    said = memorised_copies_message(_summary(share, longest))
    assert said is not None
    assert f"{share:.0%}" in said and f"{longest:,} characters" in said
    assert "more dropout" in said  # and what to do about it


def _memorising_run(tmp_path: Path) -> tuple[list[Event], RunSpec]:
    # One short paragraph, a few times over, for dozens of passes: learnt by heart.
    corpus = write_fallback_corpus(tmp_path / "paragraph.txt", repeats=8)
    spec = RunSpec(
        paths=(str(corpus),),
        out_dir=tmp_path / "run",
        model_options={"hidden": 96, "embed": 32, "layers": 1},
        train_options={
            "steps": 250,
            "batch_size": 16,
            "seq_len": 32,
            "lr": 1e-2,
            "device": "cpu",
            "precision": "fp32",
            "eval_every_s": 1e9,
            "sample_every_s": 1e9,
        },
    )
    events: list[Event] = []
    run_training(spec, on_event=events.append)
    return events, spec


def test_a_memorised_model_is_caught_by_its_samples_and_said_once(tmp_path: Path) -> None:
    events, _ = _memorising_run(tmp_path)
    finished = next(e for e in events if isinstance(e, FinishedEvent))
    model, tokenizer, _ = load_model(finished.checkpoint)
    meta = read_metadata(finished.checkpoint)
    said = check_samples(model, tokenizer, meta, passes=CHECK_FROM_PASSES)
    assert said is not None and "samples copy the corpus" in said
    assert check_samples(model, tokenizer, meta, passes=CHECK_FROM_PASSES / 2) is None
    # The run said it already, from its training and held-out losses: not a second time.
    assert finished.memorised
    memorised = [e for e in events if isinstance(e, WarningEvent) and "memorised" in e.message]
    assert len(memorised) == 1


def test_the_run_says_so_when_its_losses_do_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As when the held-out text was cut to its unseen part: the gap is not read as memorisation.
    monkeypatch.setattr("training.loop.trainer_end.memorised_message", lambda **_: None)
    events, _ = _memorising_run(tmp_path)
    finished = next(e for e in events if isinstance(e, FinishedEvent))
    assert not finished.memorised
    warnings = [e.message for e in events if isinstance(e, WarningEvent)]
    assert any("samples copy the corpus" in w for w in warnings)
    assert events.index(finished) < len(events) - 1  # after the run's end, as its last word
