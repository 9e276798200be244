from __future__ import annotations

import threading

import pytest
import torch

from lstm_core.hardware import kernel_threads, share_of_threads
from lstm_core.pair import generate_pair
from lstm_core.sampling import SamplingSettings, generate_tokens


def test_pair_writes_what_each_model_writes_alone(models_and_tokenizer) -> None:
    lstm, rnn, tok = models_and_tokenizer
    settings = SamplingSettings(max_tokens=40, seed=7)
    alone = [[t.token_id for t in generate_tokens(m, tok, "the ", settings)] for m in (lstm, rnn)]
    together: list[list[int]] = [[], []]
    for index, token in generate_pair(lstm, rnn, tok, tok, "the ", settings):
        together[index].append(token.token_id)
    assert together == alone
    assert alone[0] != alone[1]


def test_pair_leaves_the_thread_count_as_it_was(models_and_tokenizer) -> None:
    lstm, rnn, tok = models_and_tokenizer
    before = torch.get_num_threads()
    with kernel_threads(2, restore=before):
        for _ in generate_pair(lstm, rnn, tok, tok, "a", SamplingSettings(max_tokens=5, seed=1)):
            pass
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == before
    # a thread started afterwards begins with the process's count again
    seen = []
    worker = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    worker.start()
    worker.join()
    assert seen == [before]


def test_closing_the_pair_early_stops_both_threads(models_and_tokenizer) -> None:
    lstm, rnn, tok = models_and_tokenizer
    before = set(threading.enumerate())
    pair = generate_pair(lstm, rnn, tok, tok, "a", SamplingSettings(max_tokens=10_000, seed=1))
    next(pair)
    started = set(threading.enumerate()) - before
    assert started  # the pair runs on threads of its own...
    pair.close()
    # ...and none of them outlives close(). (Threads of earlier tests may end meanwhile, so
    # the process's thread count is no measure.)
    assert not [t for t in started if t.is_alive()]


def test_share_of_threads_never_drops_below_one() -> None:
    assert share_of_threads(2, 8) == 4
    assert share_of_threads(2, 1) == 1
    assert share_of_threads(3, 2) == 1


def test_every_sample_is_scored_under_every_model(models_and_tokenizer) -> None:
    from lstm_core.pair import cross_surprisals, sample_surprisal

    lstm, rnn, tok = models_and_tokenizer
    samples = ["the cat sat", "zzzz qqqq"]
    scores = cross_surprisals([(lstm, tok), (rnn, tok)], "the ", samples)
    assert len(scores) == 2 and all(len(row) == 2 for row in scores)
    # A model's score of its own sample is the mean surprisal it had while writing it.
    written = list(generate_tokens(rnn, tok, "the ", SamplingSettings(max_tokens=30, seed=3)))
    own = sample_surprisal(rnn, tok, "the ", "".join(t.text for t in written))
    assert own == pytest.approx(sum(t.surprisal for t in written) / len(written), rel=1e-4)
    assert scores[0][0] != scores[1][0]  # two judges, two numbers for the same text
    assert sample_surprisal(lstm, tok, "the ", "") is None
    unprompted = list(generate_tokens(lstm, tok, "", SamplingSettings(max_tokens=20, seed=5)))
    assert sample_surprisal(lstm, tok, "", "".join(t.text for t in unprompted)) == pytest.approx(
        sum(t.surprisal for t in unprompted) / len(unprompted), rel=1e-4
    )  # no prompt: scored after an implied line break, as generation starts
