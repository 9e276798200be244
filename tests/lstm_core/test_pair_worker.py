"""The pair's second model in a process of its own: the same texts as alone, new weights
followed, an early close honoured, and threads where the process fails."""

from __future__ import annotations

import pytest
import torch

from lstm_core import pair_worker
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
            param.add_(torch.randn_like(param))  # an update torch counts
    served = worker.served
    after = _pair(lstm, rnn, tok, settings, worker)
    assert after == _alone((lstm, rnn), tok, settings)
    assert after[1] != before[1] and worker.served == served + 1


def test_the_worker_follows_a_fused_optimizers_update(models_and_tokenizer, worker) -> None:
    lstm, _, tok = models_and_tokenizer
    rnn = tiny_model(tok.vocab_size, cell="rnn")
    settings = SamplingSettings(max_tokens=60, seed=6)
    before = _pair(lstm, rnn.eval(), tok, settings, worker)
    optimizer = torch.optim.AdamW(rnn.parameters(), lr=0.5, fused=True)
    rnn.train()(
        torch.randint(0, tok.vocab_size, (2, 8)), targets=torch.randint(0, tok.vocab_size, (2, 8))
    ).loss.backward()
    optimizer.step()  # one kernel: no tensor's version counter moves
    rnn.weights_changed()  # as the trainer says after each step
    after = _pair(lstm, rnn.eval(), tok, settings, worker)
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


def test_a_worker_that_died_while_idle_is_passed_over_and_replaced(models_and_tokenizer, monkeypatch) -> None:
    lstm, rnn, tok = models_and_tokenizer
    monkeypatch.setattr(pair_worker, "_shared", None)
    monkeypatch.setattr(pair_worker, "_starts", 0)
    doomed = pair_worker.shared_worker()
    assert doomed.wait_ready(), doomed.failure
    doomed._process.kill()
    doomed._process.join()
    settings = SamplingSettings(max_tokens=40, seed=2)
    assert _pair(lstm, rnn, tok, settings, doomed) == _alone((lstm, rnn), tok, settings)  # on threads
    assert not doomed.ready and doomed.served == 0
    fresh = pair_worker.shared_worker()
    assert fresh is not doomed and fresh.wait_ready(), fresh.failure
    assert _pair(lstm, rnn, tok, settings, fresh) == _alone((lstm, rnn), tok, settings)
    assert fresh.served == 1
    fresh.close()


def test_a_worker_that_dies_mid_way_says_so(models_and_tokenizer) -> None:
    lstm, rnn, tok = models_and_tokenizer
    doomed = PairWorker()
    assert doomed.wait_ready(), doomed.failure
    pair = generate_pair(
        lstm, rnn, tok, tok, "a", SamplingSettings(max_tokens=100_000, seed=1), worker=doomed
    )
    with pytest.raises(RuntimeError, match="process ended mid-way"):
        for index, _ in pair:
            if index == 1:  # the worker's first tokens have arrived
                doomed._process.kill()
    assert not doomed.ready
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
