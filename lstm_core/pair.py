"""The LSTM and the vanilla RNN answering the same prompt at the same time.

Given a ready ``PairWorker`` (``lstm_core.pair_worker``), the second model generates in
that process while the first generates here: each has an interpreter and a core of its own.
Without one (or when it fails before its first token) each model generates on its own
thread with its share of the kernel threads; at batch 1 most of a step is Python, so on
threads the two take turns at the interpreter lock.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Sequence

import torch

from lstm_core.hardware import kernel_threads, share_of_threads
from lstm_core.model import LanguageModel
from lstm_core.pair_worker import HANDOVER_S, PairWorker, WorkerFailed
from lstm_core.sampling import (
    GeneratedToken,
    SamplingSettings,
    generate_tokens,
    holds_trailing_space,
    prompt_ids,
)
from lstm_core.tokenizers import Tokenizer

_DONE = object()


def generate_pair(
    first: LanguageModel,
    second: LanguageModel,
    first_tokenizer: Tokenizer,
    second_tokenizer: Tokenizer,
    prompt: str,
    settings: SamplingSettings,
    *,
    worker: PairWorker | None = None,
) -> Iterator[tuple[int, GeneratedToken]]:
    """Yield (0 or 1, token) as the models produce them (within 10 ms), until both finish.

    The second model runs in ``worker`` where it is ready and free and both models are on
    the CPU; on threads otherwise. Closing the iterator early stops both at their next token
    (the worker's within its next 10 ms batch).
    """
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    total = torch.get_num_threads()
    threads_each = share_of_threads(2, total)
    on_cpu = first.device.type == "cpu" and second.device.type == "cpu"
    use_worker = worker is not None and on_cpu and worker.ready and not worker.busy

    def produce(index: int, model: LanguageModel, tokenizer: Tokenizer) -> None:
        try:
            _produce_here(index, model, tokenizer, prompt, settings, threads_each, total, stop, out)
        except BaseException as err:  # surfaced on the consumer's thread below
            out.put(err)
        finally:
            out.put(_DONE)

    def produce_in_worker(index: int, model: LanguageModel, tokenizer: Tokenizer) -> None:
        assert worker is not None
        handed = [False]

        def hand_over(tokens: list[GeneratedToken]) -> None:
            handed[0] = True
            out.put([(index, token) for token in tokens])

        try:
            worker.stream(model, tokenizer, prompt, settings, threads=threads_each, stop=stop, out=hand_over)
        except WorkerFailed as err:
            if handed[0]:
                out.put(RuntimeError(f"the second model's process ended mid-way ({err})"))
            else:  # nothing written yet: the same text, generated here instead
                produce(index, model, tokenizer)
                return
        except BaseException as err:
            out.put(err)
        out.put(_DONE)

    targets = [produce, produce_in_worker if use_worker else produce]
    threads = [
        threading.Thread(target=targets[i], args=(i, m, t), daemon=True)
        for i, (m, t) in enumerate(((first, first_tokenizer), (second, second_tokenizer)))
    ]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            item = out.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield from item
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def _produce_here(
    index: int,
    model: LanguageModel,
    tokenizer: Tokenizer,
    prompt: str,
    settings: SamplingSettings,
    threads: int,
    total: int,
    stop: threading.Event,
    out: queue.Queue,
) -> None:
    batch: list[tuple[int, GeneratedToken]] = []
    try:
        with kernel_threads(threads, restore=total):
            handed_over = time.perf_counter()
            for token in generate_tokens(model, tokenizer, prompt, settings):
                if stop.is_set():
                    break
                batch.append((index, token))
                if time.perf_counter() - handed_over >= HANDOVER_S:
                    out.put(batch)
                    batch, handed_over = [], time.perf_counter()
    finally:
        out.put(batch)


@torch.no_grad()
def sample_surprisal(model: LanguageModel, tokenizer: Tokenizer, prompt: str, sample: str) -> float | None:
    """Mean surprisal (nats per token) of ``sample`` under ``model``, given the prompt before it;
    None for an empty sample. The two are tokenised together, as the sample was written."""
    if not sample:
        return None
    if prompt:
        head = prompt[:-1] if holds_trailing_space(tokenizer, prompt) else prompt
        whole = prompt_ids(tokenizer, prompt + sample)
        cut = len(prompt_ids(tokenizer, head))
    else:
        whole = prompt_ids(tokenizer, "") + tokenizer.encode(sample)
        cut = len(prompt_ids(tokenizer, ""))
    if cut >= len(whole):
        return None
    ids = torch.tensor([whole], device=model.device)
    logits = model(ids).logits[0, cut - 1 : -1].float()
    targets = ids[0, cut:, None]
    if tokenizer.unk_id is not None:
        # As generation scores its tokens: <unk> is never written, so its share is left out,
        # except where the sample, tokenised here, holds one (it would cost infinity).
        masked = logits.clone()
        masked[:, tokenizer.unk_id] = -torch.inf
        logits = torch.where(targets == tokenizer.unk_id, logits, masked)
    nats = -torch.log_softmax(logits, dim=-1).gather(1, targets)
    return float(nats.mean())


def cross_surprisals(
    models: Sequence[tuple[LanguageModel, Tokenizer]], prompt: str, samples: Sequence[str]
) -> list[list[float | None]]:
    """``scores[judge][writer]``: every sample scored under every model, in nats per token.

    A model's own sample flatters it (it picked those tokens, and a low temperature picks
    likely ones), so samples are compared under one judge: along a row, never down the diagonal.
    """
    return [[sample_surprisal(m, t, prompt, sample) for sample in samples] for m, t in models]
