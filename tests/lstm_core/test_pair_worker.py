"""The pair's second model in a process of its own: the same texts as alone, new weights
followed, an early close honoured, and threads where the process fails."""

from __future__ import annotations

import pytest
import torch

from lstm_core.pair import generate_pair
from lstm_core.pair_worker import PairWorker, WorkerFailed
from lstm_core.sampling import SamplingSettings, generate_tokens
from training.demo.tiny import tiny_model


@pytest.fixture(scope="module")
def worker():
    started = PairWorker()
    assert started.wait_ready(), started.failure
    yield started
    started.close()


def _alone(models, tok, settings):
    return [[t.token_id for t in generate_tokens(m, tok, "the ", settings)] for m in models]


def _pair(lstm, rnn, tok, settings, worker):
    together: list[list[int]] = [[], []]
    for index, token in generate_pair(lstm, rnn, tok, tok, "the ", settings, worker=worker):
        together[index].append(token.token_id)
    return together


def test_the_worker_writes_what_each_model_writes_alone(models_and_tokenizer, worker) -> None:
    lstm, rnn, tok = models_and_tokenizer
    settings = SamplingSettings(max_tokens=60, seed=3)
    served = worker.served
    assert _pair(lstm, rnn, tok, settings, worker) == _alone((lstm, rnn), tok, settings)
    assert worker.served == served + 1  # the RNN's text came from the worker


def test_the_worker_follows_weights_changed_in_place(models_and_tokenizer, worker) -> None:
    lstm, _, tok = models_and_tokenizer
    rnn = tiny_model(tok.vocab_size, cell="rnn").eval()
    settings = SamplingSettings(max_tokens=60, seed=5)
    before = _pair(lstm, rnn, tok, settings, worker)
    with torch.no_grad():
        for param in rnn.parameters():
            param.add_(torch.randn_like(param))  # as a training step would
    after = _pair(lstm, rnn, tok, settings, worker)
    assert after == _alone((lstm, rnn), tok, settings)
    assert after[1] != before[1]


def test_closing_early_frees_the_worker_for_the_next_pair(models_and_tokenizer, worker) -> None:
    lstm, rnn, tok = models_and_tokenizer
    pair = generate_pair(
        lstm, rnn, tok, tok, "a", SamplingSettings(max_tokens=100_000, seed=1), worker=worker
    )
    seen: set[int] = set()
    for index, _ in pair:
        seen.add(index)
        if seen == {0, 1}:
            break
    pair.close()
    assert seen == {0, 1}
    assert worker.ready and not worker.busy
    settings = SamplingSettings(max_tokens=30, seed=9)
    served = worker.served
    assert _pair(lstm, rnn, tok, settings, worker) == _alone((lstm, rnn), tok, settings)
    assert worker.served == served + 1


def test_a_worker_that_died_leaves_the_pair_on_threads(models_and_tokenizer) -> None:
    lstm, rnn, tok = models_and_tokenizer
    doomed = PairWorker()
    assert doomed.wait_ready(), doomed.failure
    doomed._process.kill()
    doomed._process.join()
    settings = SamplingSettings(max_tokens=40, seed=2)
    assert _pair(lstm, rnn, tok, settings, doomed) == _alone((lstm, rnn), tok, settings)
    assert not doomed.ready and doomed.served == 0
    doomed.close()


class _FailingWorker:
    """Ready when the pair looks, failing when it is asked: a process that died in between."""

    ready, busy = True, False

    def stream(self, *args, **kwargs) -> None:
        raise WorkerFailed("the worker process ended")


def test_a_worker_that_fails_before_its_first_token_hands_over_to_threads(models_and_tokenizer) -> None:
    lstm, rnn, tok = models_and_tokenizer
    settings = SamplingSettings(max_tokens=40, seed=4)
    together: list[list[int]] = [[], []]
    for index, token in generate_pair(lstm, rnn, tok, tok, "the ", settings, worker=_FailingWorker()):
        together[index].append(token.token_id)
    assert together == _alone((lstm, rnn), tok, settings)
