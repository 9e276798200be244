"""A process of its own for the second model of a pair, so that the two generate in parallel.

At batch 1 most of a step is Python (sampling, the cell in numpy, the bookkeeping); only the
matrix products release the interpreter lock. Two models on two threads therefore take turns
at the lock, and the pair costs nearly the sum of the two (about 2× the slower alone on two
cores). In a second process each model has an interpreter and a core of its own, and the
pair costs about what the slower one does alone (``python -m benchmarks --only generation``).

The worker starts in the background (it imports torch: a second or two) and serves one
generation at a time. Its model is sent once, as bytes, and kept until the weights change
(``model_key``). Any failure of the worker is raised
as ``WorkerFailed``, and ``lstm_core.pair`` falls back to threads.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import threading
import time
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import torch

from lstm_core.config import ModelConfig
from lstm_core.model import LanguageModel
from lstm_core.sampling import GeneratedToken, SamplingSettings, generate_tokens
from lstm_core.tokenizers import Tokenizer, tokenizer_from_dict

# Tokens travel to the consumer in batches, from a thread (lstm_core.pair) or across this
# pipe: a hand-over per token would cost more than sampling it. 10 ms is finer than a frame.
HANDOVER_S = 0.01
# How often the parent looks at its stop flag while it waits for the worker's tokens.
POLL_S = 0.01
READY_TIMEOUT_S = 120.0

ModelKey = tuple[Any, ...]


class WorkerFailed(RuntimeError):
    """The worker process could not generate (it died, or raised): use threads instead."""


def model_key(model: LanguageModel, tokenizer: Tokenizer) -> ModelKey:
    """Changes when the model, its tokenizer or its weights do (``weights_stamp``)."""
    return (id(model), id(tokenizer), model.weights_stamp())


def _model_bytes(model: LanguageModel) -> bytes:
    # torch.save, not the pipe's pickler: torch's reducers would move the weights into
    # shared memory, under the model's owner.
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, buffer)
    return buffer.getvalue()


def _load(payload: tuple[ModelConfig, bytes, dict[str, Any]]) -> tuple[LanguageModel, Tokenizer]:
    config, weights, tokenizer = payload
    model = LanguageModel(config)
    model.load_state_dict(torch.load(io.BytesIO(weights), weights_only=True))
    return model.eval(), tokenizer_from_dict(tokenizer)


def _stream(
    conn: Connection, model: LanguageModel, tokenizer: Tokenizer, prompt: str, settings: SamplingSettings
) -> bool:
    """Send the tokens in batches; True when the parent asked the worker to close meanwhile."""
    batch: list[GeneratedToken] = []
    handed_over = time.perf_counter()
    for token in generate_tokens(model, tokenizer, prompt, settings):
        batch.append(token)
        if time.perf_counter() - handed_over >= HANDOVER_S:
            conn.send(("tokens", batch))
            batch, handed_over = [], time.perf_counter()
            if conn.poll():  # a stop, or a close: either ends this generation
                return conn.recv()[0] == "close"
    if batch:
        conn.send(("tokens", batch))
    return False


def serve(conn: Connection) -> None:
    """The worker process: generate what the parent asks until its end of the pipe closes."""
    loaded: tuple[ModelKey, LanguageModel, Tokenizer] | None = None
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "close":
            return
        if message[0] != "generate":
            continue  # a stop that came after its generation had ended
        _, key, payload, prompt, settings, threads = message
        try:
            torch.set_num_threads(threads)
            if payload is not None:
                loaded = (key, *_load(payload))
            if loaded is None or loaded[0] != key:
                raise WorkerFailed("the worker does not hold this model")
            with torch.no_grad():
                closing = _stream(conn, loaded[1], loaded[2], prompt, settings)
        except Exception as err:  # reported to the parent, which falls back to threads
            conn.send(("error", f"{type(err).__name__}: {err}"))
        else:
            conn.send(("done",))
            if closing:
                return


class PairWorker:
    """The parent's handle on one worker process. ``ready`` is False until it has started;
    ``stream`` serves one caller at a time (``busy`` says when another holds it)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # fork would copy a threaded process
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve, args=(child,), daemon=True, name="lstm-studio-pair")
        self._process.start()
        child.close()
        self._started = threading.Event()
        self._lock = threading.Lock()
        self._sent: ModelKey | None = None
        # The key's ids name the model only while it lives: a new one could reuse them.
        self._sent_model: weakref.ref[LanguageModel] | None = None
        self.failure: str | None = None
        self.served = 0  # generations completed in the worker
        threading.Thread(target=self._await_start, daemon=True, name="pair-worker-start").start()

    def _await_start(self) -> None:
        try:
            if self._conn.poll(READY_TIMEOUT_S) and self._conn.recv() == ("ready",):
                self._started.set()
                return
            self.failure = "the worker process did not start"
        except (EOFError, OSError) as err:
            self.failure = f"the worker process did not start ({err})"

    @property
    def ready(self) -> bool:
        if self._started.is_set() and self.failure is None and not self._process.is_alive():
            self.failure = "the worker process ended"  # killed while idle, say
        return self._started.is_set() and self.failure is None

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> bool:
        self._started.wait(timeout)
        return self.ready

    def stream(
        self,
        model: LanguageModel,
        tokenizer: Tokenizer,
        prompt: str,
        settings: SamplingSettings,
        *,
        threads: int,
        stop: threading.Event,
        out: Callable[[list[GeneratedToken]], None],
    ) -> None:
        """Generate with ``model`` in the worker, handing each batch of tokens to ``out``, until
        it ends or ``stop`` is set. Raises WorkerFailed when the worker is not ready or busy,
        and when it fails (it is then not ready again: ``shared_worker`` starts another)."""
        if not self.ready or not self._lock.acquire(blocking=False):
            raise WorkerFailed("the worker process is not free")
        try:
            key = model_key(model, tokenizer)
            payload = None
            sent_model = self._sent_model() if self._sent_model is not None else None
            if key != self._sent or sent_model is not model:
                payload = (model.config, _model_bytes(model), tokenizer.to_dict())
            self._conn.send(("generate", key, payload, prompt, settings, threads))
            self._sent, self._sent_model = key, weakref.ref(model)
            self._receive(stop, out)
            self.served += 1
        except (EOFError, OSError, WorkerFailed) as err:
            self.failure = str(err) or type(err).__name__
            self._sent = None
            raise WorkerFailed(self.failure) from err
        finally:
            self._lock.release()

    def _receive(self, stop: threading.Event, out: Callable[[list[GeneratedToken]], None]) -> None:
        stopping = False
        while True:
            if stop.is_set() and not stopping:
                self._conn.send(("stop",))
                stopping = True
            if not self._conn.poll(POLL_S):
                if not self._process.is_alive():
                    raise WorkerFailed("the worker process ended")
                continue
            message = self._conn.recv()
            if message[0] == "tokens":
                if not stopping:
                    out(message[1])
            elif message[0] == "done":
                return
            else:
                raise WorkerFailed(f"the worker failed: {message[1]}")

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # it may have gone already
            self._conn.send(("close",))
        self._process.join(timeout=2)
        if self._process.is_alive():
            self._process.terminate()
        self._conn.close()


_shared: PairWorker | None = None
_shared_lock = threading.Lock()
_starts = 0
# A worker that keeps failing (a process cannot start here, say) is not started again and
# again: after this many, pairs stay on threads.
MAX_STARTS = 3


def shared_worker() -> PairWorker:
    """The process's one pair worker, started on the first call (it is ready a second or two
    later; until then a pair runs on threads). A worker that failed or ended is replaced by
    a fresh one at the next call, up to ``MAX_STARTS`` in all."""
    global _shared, _starts
    with _shared_lock:
        worker = _shared
        failed = worker is not None and not worker.busy and not worker.ready and worker.failure is not None
        if (_shared is None or failed) and _starts < MAX_STARTS:
            if _shared is not None:
                _shared.close()
            _shared, _starts = PairWorker(), _starts + 1
        assert _shared is not None
        return _shared
