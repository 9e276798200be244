from __future__ import annotations

import pytest

from lstm_core.measure.probe import (
    answer_prompt,
    balanced_cases,
    bucket_of,
    is_recalled,
    probe_model,
    score_completions,
)
from lstm_core.tokenizers import train_tokenizer
from training.demo.demo_corpus import PAIRS, corpus_text, probe_cases
from training.demo.tiny import tiny_model


def _oracle(prompt: str) -> str:
    """A model that always remembers: reads the country off the prompt."""
    country = next(c for c, _ in PAIRS if c in prompt)
    return f" {dict(PAIRS)[country]}."


def test_buckets() -> None:
    assert [bucket_of(d) for d in (0, 1, 50, 51, 100, 300)] == [0, 50, 50, 100, 100, 300]


def test_an_oracle_scores_every_bucket_full_and_a_constant_guess_near_chance() -> None:
    cases = balanced_cases(probe_cases(1500, seed=3), 20)
    perfect = score_completions(cases, _oracle)
    assert [b.distance for b in perfect] == [0, 50, 100, 150, 200, 250, 300]
    assert all(b.accuracy == 1.0 and b.n == 20 for b in perfect)
    constant = score_completions(cases, lambda prompt: " Hindi.")
    overall = sum(b.accuracy * b.n for b in constant) / sum(b.n for b in constant)
    assert overall < 0.2


def test_recall_needs_the_exact_first_word() -> None:
    assert is_recalled(" Hindi.", "Hindi")
    assert is_recalled("Hindi and more", "Hindi")
    assert not is_recalled(" Hindustani", "Hindi")
    assert not is_recalled(" German", "Hindi")
    assert not is_recalled("", "Hindi")


def test_prompt_spacing_follows_the_tokenizer() -> None:
    text = corpus_text(200, seed=0)
    assert answer_prompt(train_tokenizer("word", text), "I speak") == "I speak"
    assert answer_prompt(train_tokenizer("char", text), "I speak") == "I speak "


def test_probe_runs_a_real_model_end_to_end() -> None:
    text = corpus_text(200, seed=0)
    tokenizer = train_tokenizer("word", text)
    model = tiny_model(tokenizer.vocab_size, cell="rnn")
    cases = balanced_cases(probe_cases(300, seed=4), 3)
    result = probe_model(model, tokenizer, cases, name="tiny")
    assert result.to_dict()["name"] == "tiny" and result.cell == "rnn"
    assert sum(b.n for b in result.buckets) == len(cases)
    assert all(0.0 <= b.accuracy <= 1.0 for b in result.buckets)
    assert model.training  # the probe put it back the way it found it


def test_the_shipped_demo_models_meet_the_bar() -> None:
    from training.checkpoints.checkpoint import load_model
    from training.demo.assets import demo_dir

    if not (demo_dir() / "lstm" / "checkpoint.safetensors").exists():
        pytest.skip("demo assets not built (python -m training.demo.build_demo)")
    cases = balanced_cases(probe_cases(3000, seed=10_000), 40)
    longest = {}
    for name in ("lstm", "rnn"):
        model, tokenizer, _ = load_model(demo_dir() / name)
        longest[name] = probe_model(model, tokenizer, cases).buckets[-1].accuracy
    assert longest["lstm"] >= 0.9
    assert longest["rnn"] <= 0.5
