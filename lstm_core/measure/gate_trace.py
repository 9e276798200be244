"""Inside the model, token by token: the values the Gates tab draws as heatmaps.

The explicit cells run over a bounded window of the text (the tokens just before
the caret) and the model's greedy continuation of it, recording every gate and
the cell state at every position. Each view comes back as a float32 array (T, H)
per layer, and every token as its text, so the page draws numbers and never
touches a tensor.

Whatever the length of the text, the work and the memory are bounded: only the
characters that can hold the window are tokenised, up to ``PRIME_TOKENS`` tokens
before the window run through the fused kernel to set the state the window
starts from, and the window itself is at most ``MAX_TRACE_TOKENS`` positions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from lstm_core.model import LanguageModel, State
from lstm_core.sampling import prompt_ids
from lstm_core.stepper import make_stepper
from lstm_core.tokenizers import Tokenizer, token_text

# An LSTM's gates in [0, 1], its signed cell state, and h (not drawn; a unit found in h tints the text).
GATE_VIEWS = ("forget", "input", "output", "c", "h")
HIDDEN_VIEWS = ("h",)  # a cell without those gates shows its hidden state
CONTINUE_TOKENS = 24  # long enough to show the gates at work, short enough to read
# Positions drawn, text and continuation together: each is one column of every heatmap and
# one step of the explicit cells, and a few hundred columns is what a screen can show.
MAX_TRACE_TOKENS = 256
# The state the window starts from comes from the tokens before it, as in generation.
PRIME_TOKENS = 512
CHARS_PER_TOKEN = 16  # a generous bound: the characters tokenised are enough for the tokens used
CHUNK = 32  # positions inspected between two progress reports (and chances to stop)

Progress = Callable[[float], None]
Stop = Callable[[], bool]


class TraceStopped(Exception):
    """The person cancelled the trace; nothing is drawn."""


@dataclass(frozen=True)
class GateTrace:
    tokens: list[str]  # the text of each position: the window's tokens, then the continuation's
    layers: list[dict[str, np.ndarray]]  # per layer: view name -> (T, H) float32
    text_tokens: int = 0  # how many of the positions are the text's own (the rest are continued)
    start: int = 0  # the window's first character in the text (approximate where tokens are <unk>)
    end: int = 0  # the character after the window's last (the caret, when it is not at the start)
    text_chars: int = 0  # the length of the whole text
    limit: int = MAX_TRACE_TOKENS  # the most positions a trace holds

    def views(self, layer: int) -> dict[str, np.ndarray]:
        """The views of one layer; an index past the last layer gives the last."""
        return self.layers[min(layer, len(self.layers) - 1)]

    @property
    def whole(self) -> bool:
        """The window is the whole text."""
        return self.start == 0 and self.end >= self.text_chars


def window_ids(
    tokenizer: Tokenizer, text: str, caret: int, tokens: int
) -> tuple[list[int], list[int], int, int]:
    """(primer ids, window ids, first character, end character) of the window of ``tokens``
    tokens: those just before ``caret``, or the text's first ones when the caret is at its start.

    Only the last (tokens + PRIME_TOKENS) * CHARS_PER_TOKEN characters before the caret are
    tokenised; the first token of a cut slice may be a piece of a word, so it is dropped.
    """
    caret = max(0, min(caret, len(text)))
    if caret == 0:
        window = prompt_ids(tokenizer, text[: tokens * CHARS_PER_TOKEN])[:tokens]
        end = min(len(text), sum(len(token_text(tokenizer, i)) for i in window))
        return [], window, 0, end
    begin = max(0, caret - (tokens + PRIME_TOKENS) * CHARS_PER_TOKEN)
    ids = prompt_ids(tokenizer, text[begin:caret]) if begin == 0 else tokenizer.encode(text[begin:caret])[1:]
    window = ids[-tokens:] if tokens > 0 else []
    primer = ids[: len(ids) - len(window)][-PRIME_TOKENS:]
    shown = sum(len(token_text(tokenizer, i)) for i in window)
    return primer, window, max(0, caret - shown), caret


def _inspect(
    model: LanguageModel, ids: list[int], state: State | None, progress: Progress, stop: Stop
) -> list[dict[str, np.ndarray]]:
    """Every layer's views over ids, CHUNK positions at a time with the state carried."""
    parts: list[list[dict[str, np.ndarray]]] = []
    for begin in range(0, len(ids), CHUNK):
        if stop():
            raise TraceStopped
        chunk = torch.tensor([ids[begin : begin + CHUNK]], device=model.device)
        inspection = model.inspect(chunk, state)
        state = inspection.state
        layers = []
        for layer in inspection.layers:
            names = GATE_VIEWS if layer.forget is not None else HIDDEN_VIEWS
            layers.append({name: getattr(layer, name)[0].float().cpu().numpy() for name in names})
        parts.append(layers)
        progress(0.2 + 0.8 * min(len(ids), begin + CHUNK) / len(ids))
    return [
        {name: np.concatenate([part[i][name] for part in parts]) for name in parts[0][i]}
        for i in range(len(parts[0]))
    ]


def _continue_greedily(
    model: LanguageModel, tokenizer: Tokenizer, ids: list[int], count: int, stop: Stop
) -> list[int]:
    stepper = make_stepper(model)
    logits = stepper.prefill(ids)
    out: list[int] = []
    for _ in range(count):
        if stop():
            raise TraceStopped
        scores = logits.float().clone()
        if tokenizer.unk_id is not None:
            scores[tokenizer.unk_id] = -torch.inf  # <unk> stands for "something else": never write it
        token = int(scores.argmax())
        if token == tokenizer.eod_id:
            break
        out.append(token)
        logits = stepper.step(token)
    return out


@torch.no_grad()
def trace_gates(
    model: LanguageModel,
    tokenizer: Tokenizer,
    text: str,
    *,
    caret: int | None = None,
    continue_tokens: int = CONTINUE_TOKENS,
    max_tokens: int = MAX_TRACE_TOKENS,
    progress: Progress | None = None,
    stop: Stop | None = None,
) -> GateTrace:
    """Continue a window of the text greedily, then record every layer's views over the
    window and the continuation: at most ``max_tokens`` positions, however long the text.

    The window is the tokens just before ``caret`` (the text's end by default), or the
    first ones when the caret is at the start. Raises TraceStopped once ``stop()``.
    """
    report = progress or (lambda _f: None)
    stopped = stop or (lambda: False)
    caret = len(text) if caret is None else caret
    continue_tokens = max(0, min(continue_tokens, max_tokens - 1))
    primer, window, start, end = window_ids(tokenizer, text, caret, max_tokens - continue_tokens)
    report(0.05)
    continued = _continue_greedily(model, tokenizer, primer + window, continue_tokens, stopped)
    report(0.15)
    state = model(torch.tensor([primer], device=model.device)).state if primer else None
    ids = window + continued
    if not ids:
        raise ValueError("there is no text before the caret to inspect")
    layers = _inspect(model, ids, state, report, stopped)
    return GateTrace(
        tokens=[token_text(tokenizer, i) for i in ids],
        layers=layers,
        text_tokens=len(window),
        start=start,
        end=end,
        text_chars=len(text),
        limit=max_tokens,
    )
