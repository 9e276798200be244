"""The LSTM and the vanilla RNN answering the same prompt at the same time.

Each model generates on its own thread. At batch 1 a step is a few small
matrix-vector products that release the GIL while they run, so on two or more
cores the pair costs little more than the slower model alone.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from lstm_core.model import LanguageModel
from lstm_core.sampling import GeneratedToken, SamplingSettings, generate_tokens
from lstm_core.tokenizers import Tokenizer

_DONE = object()


def generate_pair(
    first: LanguageModel,
    second: LanguageModel,
    first_tokenizer: Tokenizer,
    second_tokenizer: Tokenizer,
    prompt: str,
    settings: SamplingSettings,
) -> Iterator[tuple[int, GeneratedToken]]:
    """Yield (0 or 1, token) as either model produces a token, until both finish.

    Closing the iterator early stops both threads at their next token.
    """
    out: queue.Queue = queue.Queue()
    stop = threading.Event()

    def produce(index: int, model: LanguageModel, tokenizer: Tokenizer) -> None:
        try:
            for token in generate_tokens(model, tokenizer, prompt, settings):
                if stop.is_set():
                    break
                out.put((index, token))
        except BaseException as err:  # surfaced on the consumer's thread below
            out.put(err)
        finally:
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
                yield item
    finally:
        stop.set()
        for thread in threads:
            thread.join()
