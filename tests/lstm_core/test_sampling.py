from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lstm_core.sampling import (
    SamplingSettings,
    filter_logits,
    generate,
    generate_tokens,
    next_token_candidates,
    sampling_weights,
    token_surprisals,
)
from lstm_core.stepper import make_stepper
from lstm_core.tokenizers import train_tokenizer
from tests.conftest import make_text
from training.demo.tiny import tiny_model


@pytest.fixture(scope="module")
def model_and_tokenizer():
    tok = train_tokenizer("char", make_text(500))
    model = tiny_model(tok.vocab_size).eval()
    return model, tok


def _text(mt, prompt: str, **kw) -> str:
    return "".join(generate(*mt, prompt, SamplingSettings(**kw)))


def test_same_seed_same_text_and_other_seed_other_text(model_and_tokenizer) -> None:
    a = _text(model_and_tokenizer, "the ", max_tokens=80, seed=5)
    assert a == _text(model_and_tokenizer, "the ", max_tokens=80, seed=5)
    assert a != _text(model_and_tokenizer, "the ", max_tokens=80, seed=6)
    assert len(a) == 80


def test_greedy_equals_top_k_one(model_and_tokenizer) -> None:
    greedy = _text(model_and_tokenizer, "the cat", max_tokens=40, greedy=True)
    assert greedy == _text(model_and_tokenizer, "the cat", max_tokens=40, top_k=1, seed=1)


def test_stop_string_ends_generation_before_it(model_and_tokenizer) -> None:
    full = _text(model_and_tokenizer, "", max_tokens=200, seed=3)
    stop = full[50:52]
    cut = _text(model_and_tokenizer, "", max_tokens=200, seed=3, stop=(stop,))
    assert cut == full[: full.find(stop)]


def test_prompt_runs_once_then_one_step_per_token(model_and_tokenizer) -> None:
    model, tok = model_and_tokenizer
    inner = make_stepper(model)
    calls = {"prefill": 0, "step": 0}

    class Counting:
        def prefill(self, ids):
            calls["prefill"] += 1
            return inner.prefill(ids)

        def step(self, token):
            calls["step"] += 1
            return inner.step(token)

    out = list(
        generate_tokens(
            model, tok, "a long prompt " * 20, SamplingSettings(max_tokens=30, seed=0), stepper=Counting()
        )
    )
    assert len(out) == 30
    assert calls == {"prefill": 1, "step": 30}


def test_unk_is_never_generated(model_and_tokenizer) -> None:
    model, tok = model_and_tokenizer
    with torch.no_grad():
        model.head.bias[tok.unk_id] = 50.0  # make <unk> overwhelmingly likely
    try:
        tokens = list(generate_tokens(model, tok, "x", SamplingSettings(max_tokens=50, seed=0)))
    finally:
        with torch.no_grad():
            model.head.bias[tok.unk_id] = 0.0
    assert all(t.token_id != tok.unk_id for t in tokens)


def test_filter_logits_top_k_and_top_p() -> None:
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    kept = filter_logits(logits.copy(), SamplingSettings(top_k=2), [])
    assert np.isfinite(kept).tolist() == [True, True, False, False]
    kept = filter_logits(logits.copy(), SamplingSettings(top_p=0.7), [])
    assert np.isfinite(kept).tolist() == [True, True, False, False]
    kept = filter_logits(logits.copy(), SamplingSettings(top_p=0.85), [])
    assert np.isfinite(kept).tolist() == [True, True, True, False]
    penal = filter_logits(np.array([2.0, 2.0]), SamplingSettings(repetition_penalty=2.0), [0])
    assert penal[0] < penal[1]


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match="top-p"):
        SamplingSettings(top_p=0.0)
    with pytest.raises(ValueError, match="temperature"):
        SamplingSettings(temperature=0.0)


def test_surprisals_and_candidates(model_and_tokenizer) -> None:
    model, tok = model_and_tokenizer
    scored = token_surprisals(model, tok, "the cat")
    assert "".join(t for t, _ in scored) == "the cat"
    assert all(s > 0 for _, s in scored)
    candidates = next_token_candidates(model, tok, "the ca", k=5)
    probs = [p for _, p in candidates]
    assert len(candidates) == 5 and probs == sorted(probs, reverse=True)
    assert 0 < sum(probs) <= 1.0 + 1e-6
    assert not math.isnan(probs[0])


def test_long_prompts_are_primed_from_their_last_context_tokens(model_and_tokenizer) -> None:
    tail = "the dog ran to the park " * 4
    long_prompt = "birds sang over the hills " * 40 + tail
    settings = dict(max_tokens=40, seed=2, context_tokens=len(tail))
    assert _text(model_and_tokenizer, long_prompt, **settings) == _text(model_and_tokenizer, tail, **settings)
    whole = _text(model_and_tokenizer, long_prompt, max_tokens=40, seed=2, context_tokens=None)
    assert len(whole) == 40


def test_temperature_only_weights_match_the_full_filter() -> None:
    logits = np.random.default_rng(0).normal(size=50) * 3
    for temperature in (0.5, 0.8, 1.3):
        fast = sampling_weights(logits, SamplingSettings(temperature=temperature), [])
        full = sampling_weights(logits, SamplingSettings(temperature=temperature, top_p=1 - 1e-12), [])
        np.testing.assert_allclose(fast / fast.sum(), full / full.sum(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(fast / fast.sum(), torch.softmax(torch.tensor(logits) / temperature, 0))


def test_a_prompt_ending_in_a_space_is_not_continued_with_a_second_one() -> None:
    from lstm_core.sampling import holds_trailing_space
    from training.checkpoints.checkpoint import load_model
    from training.demo.assets import demo_dir

    model, tokenizer, _ = load_model(demo_dir() / "lstm")  # the demo's word-level LSTM
    assert tokenizer.level == "word"
    for seed in range(8):
        text = "".join(generate(model, tokenizer, "The ", SamplingSettings(max_tokens=12, seed=seed)))
        assert text[0] != " " and "  " not in "The " + text
    from lstm_core.batch_sampling import generate_samples

    samples = generate_samples(model, tokenizer, "The ", SamplingSettings(max_tokens=12, seed=0), 5)
    assert all(s.text[0] != " " and "  " not in "The " + s.text for s in samples)
    single = "".join(
        generate(model, tokenizer, "The ", SamplingSettings(max_tokens=12, seed=samples[0].seed))
    )
    assert samples[0].text == single  # one sample of the batch is what generation alone writes
    greedy = SamplingSettings(max_tokens=3, greedy=True)
    spaced = "".join(generate(model, tokenizer, "I grew up in ", greedy))
    plain = "".join(generate(model, tokenizer, "I grew up in", greedy))
    assert "I grew up in " + spaced == "I grew up in" + plain
    # Characters carry no leading space, and a run of spaces is the prompt's own choice.
    char = train_tokenizer("char", "ab c")
    assert not holds_trailing_space(char, "ab ") and not holds_trailing_space(tokenizer, "The  ")
