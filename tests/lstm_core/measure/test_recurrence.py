"""Long-range recall on a person's text: the cases found, the losses read, the curves and the verdict."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lstm_core import LanguageModel, ModelConfig
from lstm_core.hardware import inference_autocast
from lstm_core.measure.recurrence import format_recall_table, measure_recall
from lstm_core.measure.recurrence_cases import Case, distance_bins, find_cases
from lstm_core.measure.recurrence_curves import MIN_CASES, RecallCurve, recall_curve, recall_verdict
from lstm_core.measure.recurrence_losses import token_losses, unigram_losses
from lstm_core.tokenizers import CharTokenizer


def _model(vocab: int, cell: str = "lstm", seed: int = 0) -> LanguageModel:
    torch.manual_seed(seed)
    return LanguageModel(ModelConfig(vocab_size=vocab, cell=cell, hidden=16, embed=8)).eval()  # type: ignore[arg-type]


def test_bins_double_up_to_the_window() -> None:
    assert distance_bins(64) == [(1, 2), (3, 4), (5, 8), (9, 16), (17, 32), (33, 64)]
    assert distance_bins(100)[-1] == (65, 100)


def test_cases_of_a_known_text() -> None:
    text = 'foo (bar) foo\nbaz foo [x] "q" qux'
    tokenizer = CharTokenizer.train(text)
    ids = tokenizer.encode(text)
    cases = find_cases(tokenizer, ids, first=1, window=12)
    words = [(c.key, c.tokens[0], c.distance) for c in cases if c.kind == "word"]
    # "foo" at 0 is before `first`; at 10 it is 10 tokens after the one at 0; at 18, 8 after 10
    assert words == [("bar", 5, None), ("foo", 10, 10), ("baz", 14, None), ("foo", 18, 8), ("qux", 30, None)]
    assert next(c for c in cases if c.key == "foo" and c.tokens[0] == 10).tokens == (10, 11, 12)
    closers = {(c.key, c.tokens[0], c.distance) for c in cases if c.kind == "closer"}
    assert closers == {(")", 8, 4), ("]", 24, 2), ('"', 28, 2)}
    far = find_cases(tokenizer, ids, first=1, window=9)  # 10 tokens back is beyond the window
    assert next(c for c in far if c.key == "foo" and c.tokens[0] == 10).distance is None


def test_words_with_unknown_tokens_are_left_out() -> None:
    tokenizer = CharTokenizer.train("abc def")
    ids = tokenizer.encode("abc dxf abc")  # x is unknown
    assert [c.key for c in find_cases(tokenizer, ids, first=1, window=50)] == ["abc"]


def test_losses_equal_one_pass_per_stream() -> None:
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 12, size=300).tolist()
    model = _model(12)
    losses = token_losses(model, ids, first=40, warmup=40, streams=3)
    assert np.isnan(losses[:40]).all() and not np.isnan(losses[40:]).any()
    # stream 1 scores [126, 213) after reading from 86, from a zero state
    part = torch.tensor([ids[86:213]])
    with torch.no_grad(), inference_autocast(model.device):  # as token_losses runs (bf16 where native)
        logits = model(part[:, :-1]).logits[0]
    direct = F.cross_entropy(logits.float(), part[0, 1:], reduction="none").numpy()
    assert np.allclose(losses[126:213], direct[126 - 87 :], atol=2e-2)
    whole = token_losses(model, ids, first=40, warmup=40, streams=1)
    with torch.no_grad(), inference_autocast(model.device):
        logits = model(torch.tensor([ids[:-1]])).logits[0]
    full = F.cross_entropy(logits.float(), torch.tensor(ids[1:]), reduction="none").numpy()
    assert np.allclose(whole[40:], full[39:], atol=2e-2)


def test_unigram_loss_is_the_share_of_the_text() -> None:
    losses = unigram_losses([0, 0, 0, 1], 3)
    assert losses[0] == pytest.approx(-np.log(4 / 7)) and losses[3] == pytest.approx(-np.log(2 / 7))


def _synthetic(gain: float, n: int = 200) -> tuple[list[Case], np.ndarray]:
    """n words, each seen once as a first mention (loss 3) and recurring 100 tokens later."""
    cases, losses = [], np.zeros(2 * n)
    for i in range(n):
        cases.append(Case("word", f"w{i}", (i,), None))
        cases.append(Case("word", f"w{i}", (n + i,), 100))
        losses[i] = 3.0
        losses[n + i] = 3.0 - gain + 0.1 * np.sin(i)  # a little noise around 3 − gain
    return cases, losses


def _curve(name: str, gain: float) -> RecallCurve:
    cases, losses = _synthetic(gain)
    return recall_curve(name, name, cases, losses, np.full(len(losses), 5.0), kind="word", window=128)


def test_a_curve_shows_the_gain_over_first_mentions() -> None:
    curve = _curve("lstm", 1.0)
    (only,) = curve.bins
    assert (only.low, only.high, only.cases, only.matched) == (65, 128, 200, 200)
    assert only.gain == pytest.approx(1.0, abs=0.02) and only.baseline == pytest.approx(3.0)
    assert only.unigram == 5.0 and curve.first_mentions == 200 and curve.reach == 128
    assert curve.far_gain == pytest.approx(only.gain) and curve.far_matched == 200


def test_the_verdict_says_who_remembers_or_that_nobody_can_tell() -> None:
    lstm, rnn, same = _curve("lstm", 1.0), _curve("rnn", 0.0), _curve("gru", 1.0)
    assert "the LSTM remembers what the RNN forgets" in recall_verdict([lstm, rnn], 128)
    assert "here the LSTM remembers more than the RNN" in recall_verdict([rnn, lstm], 128)
    assert "no difference" in recall_verdict([lstm, same], 128)
    assert "it remembers them" in recall_verdict([lstm], 128)
    assert "no clear gain" in recall_verdict([rnn], 128)
    few = recall_curve(
        "lstm", "lstm", *_synthetic(1.0, n=MIN_CASES - 1), np.ones(58), kind="word", window=128
    )
    assert "too few" in recall_verdict([few], 128)


def test_measure_recall_on_a_short_text() -> None:
    line = 'def f(name):\n    return "name" + name\n'
    text = "".join(line.replace("name", f"var{i % 7}") for i in range(60))
    tokenizer = CharTokenizer.train(text)
    models = {
        "lstm": (_model(tokenizer.vocab_size), tokenizer),
        "rnn": (_model(tokenizer.vocab_size, "rnn"), tokenizer),
    }
    report = measure_recall(models, text, source="sixty lines", window=64, max_tokens=1500)
    assert [(c.name, c.kind) for c in report.curves] == [
        ("lstm", "word"),
        ("lstm", "closer"),
        ("rnn", "word"),
        ("rnn", "closer"),
    ]
    assert report.measured_on.startswith("1,500 tokens of sixty lines")
    closers = report.curves[1]
    assert sum(b.cases for b in closers.bins) > 50 and all(b.low <= 64 for b in closers.bins)
    assert json.loads(json.dumps(report.to_dict()))["window"] == 64
    assert "closer cases" in format_recall_table(report, "closer")
    with pytest.raises(ValueError, match="at least"):
        measure_recall(models, text[:100], source="a line", window=64)


def test_paired_cases_judge_the_difference_against_its_own_spread() -> None:
    lstm, rnn = _curve("lstm", 1.0), _curve("rnn", 0.99)
    assert "no difference" in recall_verdict([lstm, rnn], 128)  # 0.01 apart, each ± 0.007
    shared = np.random.default_rng(0).normal(size=200)  # a hard word is hard for both
    paired = (shared + 1.0, shared + 0.99 + 0.001 * np.sin(np.arange(200)))
    said = recall_verdict([lstm, rnn], 128, paired=paired)
    assert "case by case" in said and "the LSTM remembers what the RNN forgets" in said
