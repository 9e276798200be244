"""The LSTM and the vanilla RNN answering the same prompt at the same time.

Each model generates on its own thread with its share of the kernel threads. At
batch 1 a step is a few small matrix-vector products that release the GIL while
they run, so on two or more cores the pair costs little more than the slower
model alone.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Sequence

import torch

from lstm_core.hardware import kernel_threads, share_of_threads
from lstm_core.model import LanguageModel
from lstm_core.sampling import (
    GeneratedToken,
    SamplingSettings,
    generate_tokens,
    holds_trailing_space,
    prompt_ids,
)
from lstm_core.tokenizers import Tokenizer

_DONE = object()
# Tokens travel to the consumer in small batches: a queue hand-over per token costs the
# producers more GIL hand-offs than their sampling does. 10 ms is finer than a screen frame.
_HANDOVER_S = 0.01


def generate_pair(
    first: LanguageModel,
    second: LanguageModel,
    first_tokenizer: Tokenizer,
    second_tokenizer: Tokenizer,
    prompt: str,
    settings: SamplingSettings,
) -> Iterator[tuple[int, GeneratedToken]]:
    """Yield (0 or 1, token) as the models produce them (within 10 ms), until both finish.

    Closing the iterator early stops both threads at their next token.
    """
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    total = torch.get_num_threads()
    threads_each = share_of_threads(2, total)

    def produce(index: int, model: LanguageModel, tokenizer: Tokenizer) -> None:
        batch: list[tuple[int, GeneratedToken]] = []
        try:
            with kernel_threads(threads_each, restore=total):
                handed_over = time.perf_counter()
                for token in generate_tokens(model, tokenizer, prompt, settings):
                    if stop.is_set():
                        break
                    batch.append((index, token))
                    if time.perf_counter() - handed_over >= _HANDOVER_S:
                        out.put(batch)
                        batch, handed_over = [], time.perf_counter()
        except BaseException as err:  # surfaced on the consumer's thread below
            out.put(err)
        finally:
            out.put(batch)
            out.put(_DONE)

    threads = [
        threading.Thread(target=produce, args=(i, m, t), daemon=True)
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
