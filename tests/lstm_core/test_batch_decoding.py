"""Many samples in one batch, beam search and min-p."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from lstm_core.batch_sampling import generate_samples
from lstm_core.beam import BeamSettings, banned_tokens, beam_search
from lstm_core.sampling import SamplingSettings, filter_logits, generate, prompt_ids, sampling_weights
from lstm_core.tokenizers import train_tokenizer
from tests.conftest import make_text
from training.cli import main
from training.demo.tiny import tiny_model


@pytest.fixture(scope="module")
def tok():
    return train_tokenizer("char", make_text(500))


@pytest.fixture(scope="module", params=["lstm", "gru", "rnn"])
def model(request, tok):
    return tiny_model(tok.vocab_size, cell=request.param).eval()


def _single(model, tok, prompt: str, **kw) -> str:
    return "".join(generate(model, tok, prompt, SamplingSettings(**kw)))


@torch.no_grad()
def _log_prob(model, tok, prompt: str, text: str) -> float:
    """log p(text | prompt) in one forward pass, <unk> excluded as generation excludes it."""
    context, ids = prompt_ids(tok, prompt), tok.encode(text)
    logits = model(torch.tensor([context + ids])).logits[0, len(context) - 1 : -1].double()
    logits[:, tok.unk_id] = -math.inf
    return float(torch.log_softmax(logits, dim=1).gather(1, torch.tensor(ids)[:, None]).sum())


@pytest.mark.parametrize(
    "options", [{}, {"top_k": 5}, {"top_p": 0.9, "repetition_penalty": 1.3}, {"min_p": 0.1}]
)
def test_sample_i_of_a_batch_is_the_single_run_with_seed_plus_i(model, tok, options) -> None:
    samples = generate_samples(model, tok, "the ", SamplingSettings(max_tokens=50, seed=20, **options), 5)
    assert [s.seed for s in samples] == [20, 21, 22, 23, 24]
    for s in samples:
        assert s.text == _single(model, tok, "the ", max_tokens=50, seed=s.seed, **options)
        assert s.ended == "length" and s.tokens == 50
    assert len({s.text for s in samples}) == 5


def test_batched_stop_strings_cut_each_row_where_a_single_run_does(model, tok) -> None:
    samples = generate_samples(model, tok, "", SamplingSettings(max_tokens=120, seed=3, stop=("e ",)), 6)
    for s in samples:
        assert s.text == _single(model, tok, "", max_tokens=120, seed=s.seed, stop=("e ",))
        assert (s.ended == "stop") == (len(s.text) < 120)


def test_batched_bytes_decode_as_a_single_run_streams_them() -> None:
    # Byte-level BPE splits "é", "ж" and "€" across tokens, and an untrained model writes
    # broken sequences too: the batch decodes each row's bytes at the end, the single run
    # token by token, and the texts must agree to the replacement character.
    text = "Grüße aus Köln. Привет, мир! Ça coûte 5 € — naïve café. " * 40
    bpe = train_tokenizer("bpe", text, vocab_size=300)
    lstm = tiny_model(bpe.vocab_size).eval()
    settings = SamplingSettings(max_tokens=80, seed=9, temperature=1.5)
    samples = generate_samples(lstm, bpe, "Grü", settings, 4)
    for s in samples:
        assert s.text == _single(lstm, bpe, "Grü", max_tokens=80, seed=s.seed, temperature=1.5)
    assert any(ord(ch) > 127 for s in samples for ch in s.text)


def test_min_p_keeps_exactly_the_tokens_at_least_p_times_the_top() -> None:
    rng = np.random.default_rng(0)
    for p in (0.05, 0.2, 0.5, 0.9):
        logits = rng.normal(size=200) * 3
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        kept = np.isfinite(filter_logits(logits.copy(), SamplingSettings(temperature=1.0, min_p=p), []))
        assert np.array_equal(kept, probs >= p * probs.max())
        weights = sampling_weights(logits, SamplingSettings(temperature=1.0, min_p=p), [])
        assert np.array_equal(weights > 0, kept)


def test_beam_of_width_one_is_greedy(model, tok) -> None:
    for prompt in ("", "the cat ", "over the hills"):
        greedy = _single(model, tok, prompt, max_tokens=40, greedy=True)
        (best,) = beam_search(model, tok, prompt, BeamSettings(width=1, max_tokens=40, length_penalty=0))
        assert best.text == greedy


@pytest.mark.parametrize("width", [2, 4, 8])
def test_a_beam_never_scores_below_greedy(model, tok, width: int) -> None:
    for prompt in ("", "the ", "and the dog"):
        greedy = _single(model, tok, prompt, max_tokens=30, greedy=True)
        found = beam_search(model, tok, prompt, BeamSettings(width=width, max_tokens=30, length_penalty=0))
        assert len(found) == width
        scores = [h.log_prob for h in found]
        assert scores == sorted(scores, reverse=True)
        # The reported log-probability is the model's own, measured independently here.
        assert found[0].log_prob == pytest.approx(_log_prob(model, tok, prompt, found[0].text), abs=1e-3)
        assert found[0].log_prob >= _log_prob(model, tok, prompt, greedy) - 1e-6


def test_repeat_block_never_repeats_an_ngram(model, tok) -> None:
    assert banned_tokens([1, 2, 3, 1, 2], 3) == [3]
    assert banned_tokens([1, 2, 3], 2) == []
    text = beam_search(model, tok, "", BeamSettings(width=3, max_tokens=60, no_repeat_ngram=3))[0].text
    grams = [text[i : i + 3] for i in range(len(text) - 2)]
    assert len(grams) == len(set(grams))


@pytest.mark.parametrize(
    "kwargs", [{"width": 0}, {"width": 65}, {"length_penalty": -1.0}, {"no_repeat_ngram": 1}]
)
def test_beam_settings_refuse_nonsense(kwargs) -> None:
    with pytest.raises(ValueError):
        BeamSettings(**kwargs)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gen")
    corpus = folder / "corpus.txt"
    corpus.write_text(make_text(), encoding="utf-8")
    tiny = ["--hidden", "24", "--embed", "12", "--batch", "4", "--seq-len", "16", "--steps", "10"]
    assert main(["train", str(corpus), "--out", str(folder / "m"), *tiny]) == 0
    return folder / "m"


def test_cli_many_samples_as_blocks_json_and_file(trained: Path, tmp_path: Path, capsys) -> None:
    capsys.readouterr()
    args = ["generate", str(trained), "--prompt", "the", "--length", "20", "--seed", "4"]
    assert main([*args, "--num-samples", "3"]) == 0
    blocks = capsys.readouterr().out
    assert [line for line in blocks.splitlines() if line.startswith("---")] == [
        f"--- sample {i} (seed {3 + i}) ---" for i in (1, 2, 3)
    ]
    assert main([*args, "--num-samples", "3", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["seed"] for r in records] == [4, 5, 6] and all(r["prompt"] == "the" for r in records)
    assert f"the{records[1]['text']}" in blocks
    out = tmp_path / "samples.jsonl"
    assert main([*args, "--num-samples", "3", "--json", "--output", str(out)]) == 0
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == records
    assert main([*args, "--beam", "3", "--num-samples", "2", "--json"]) == 0
    beams = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [b["beam"] for b in beams] == [1, 2] and beams[0]["log_prob"] >= beams[1]["log_prob"]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--num-samples", "0"], "--num-samples"),
        (["--min-p", "1"], "--min-p"),
        (["--beam", "2", "--num-samples", "3"], "more than the 2 beams"),
        (["--length-penalty", "-1"], "--length-penalty"),
        (["--beam", "x"], "--beam"),
    ],
)
def test_cli_refuses_nonsense_in_one_line(trained: Path, capsys, extra: list[str], needle: str) -> None:
    capsys.readouterr()
    assert main(["generate", str(trained), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err


def test_batch_rows_are_one_recurrence(tok) -> None:
    """N samples cost one batched step per token, not N single steps."""
    model = tiny_model(tok.vocab_size).eval()
    calls = {"step": 0}
    from lstm_core.batch_stepper import make_batch_stepper

    inner = make_batch_stepper(model)

    class Counting:
        rows = property(lambda self: inner.rows)

        def prefill(self, ids, rows):
            return inner.prefill(ids, rows)

        def step(self, tokens: torch.Tensor):
            calls["step"] += 1
            return inner.step(tokens)

        def reorder(self, index):
            inner.reorder(index)

    generate_samples(model, tok, "x", SamplingSettings(max_tokens=25, seed=0), 16, stepper=Counting())
    assert calls["step"] == 24
    assert math.isfinite(_log_prob(model, tok, "", "the"))
