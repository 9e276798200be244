"""How far back does the model look? Loss with the state reset k tokens earlier.

After Khandelwal et al. (2018), "Sharp Nearby, Fuzzy Far Away". Each scored token
is predicted twice over: once with the state carried from the start of the text
(full context), and once for every k with a fresh zero state k tokens before it,
so the model sees exactly the k tokens up to and including the one it predicts
from. Where the k-token loss meets the full one, context further back no longer
helps; "uses about N tokens" names the smallest measured k whose loss is within
``WITHIN`` (1 %) of the full-context loss.

Every k scores the same positions, so the curve compares like with like. The
windows of one k are run as one batch (a token budget per forward call), and a
window's last output alone goes through the head. Cost grows with Σk × positions,
so the large ks dominate. Once two ks in a row score within CONVERGED (0.01 %) of the
full-context loss, the model has forgotten where its window started, and a longer
window would score the same: larger ks are not run and take the last loss measured
(``converged`` says from which k). This is a shortcut, not a proof: a model whose loss
flattens and then falls again beyond that k would be misread. A model that really uses 1000 tokens still
pays for all of them; a trained char model on a laptop CPU usually stops by k = 100.

                text:  ... t-k+1 ... t-1  t | t+1
    window of one k:       [ k tokens, zero state ] -> predicts ids[t+1]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from lstm_core.hardware import inference_autocast
from lstm_core.model import LanguageModel

CONTEXT_KS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
WITHIN = 0.01  # "uses about N tokens": the first k whose loss is within 1 % of the full-context loss
SCORED_TOKENS = 512  # positions scored; the curve's differences are paired, so a few hundred suffice
CONVERGED = 1e-4  # relative: two ks in a row this close to the full-context loss end the run
BATCH_TOKENS = 65_536  # tokens per forward call: windows of one k are cut into batches this large
FULL_CHUNK = 512  # the full-context pass carries its state across chunks of this many tokens
# Scored positions lie STRIDE apart after the first max k tokens, so only the first
# max_k + STRIDE × scored tokens are read: the full-context pass is one stream at batch 1
# (a few thousand tokens a second on a laptop CPU), and a whole held-out text would take minutes.
STRIDE = 8


class MeasurementStopped(Exception):
    """The stop flag was raised; nothing is returned."""


def progress_ticker(
    work: int, progress: Callable[[float], None] | None, stop: Callable[[], bool] | None
) -> Callable[[int], None]:
    """``tick(tokens)`` for a measurement of ``work`` tokens: raises MeasurementStopped once
    ``stop()`` is true, and reports the fraction done to ``progress``."""
    done = 0

    def tick(tokens: int) -> None:
        nonlocal done
        if stop is not None and stop():
            raise MeasurementStopped
        done += tokens
        if progress is not None:
            progress(min(1.0, done / work))

    return tick


@dataclass(frozen=True)
class ContextCurve:
    name: str
    cell: str
    losses: dict[int, float]  # k -> mean loss (nats/token) seeing only the last k tokens
    full: float  # mean loss on the same tokens with the state carried from the text's start
    scored: int  # how many tokens each figure averages over
    uses: int | None = field(default=None)  # smallest k within WITHIN of `full`; None: none was
    converged: int | None = None  # from this k on the outputs equalled full context's; larger ks not run

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cell": self.cell,
            "losses": {str(k): v for k, v in self.losses.items()},
            "full": self.full,
            "scored": self.scored,
            "uses": self.uses,
            "within": WITHIN,
            "converged": self.converged,
        }


def context_used(losses: dict[int, float], full: float, *, within: float = WITHIN) -> int | None:
    """The smallest k whose loss is at most (1 + within) × the full-context loss."""
    return next((k for k in sorted(losses) if losses[k] <= full * (1.0 + within)), None)


def usable_ks(tokens: int, ks: Sequence[int] = CONTEXT_KS, *, scored: int = SCORED_TOKENS) -> list[int]:
    """The ks a text of ``tokens`` tokens allows: each must leave room for min(scored, tokens/2) positions."""
    need = min(scored, tokens // 2)
    return [k for k in sorted(set(ks)) if k >= 1 and tokens - 1 - k >= max(1, need)]


def scored_positions(tokens: int, max_k: int, count: int, *, stride: int = STRIDE) -> list[int]:
    """``count`` positions t (the last visible token) about ``stride`` apart from max_k − 1 on,
    closer where the text is too short for that."""
    first = max_k - 1
    last = min(tokens - 2, first + stride * (count - 1))
    count = max(1, min(count, last - first + 1))
    if count == 1:
        return [last]
    return sorted({first + round(i * (last - first) / (count - 1)) for i in range(count)})


def _log_probs(model: LanguageModel, hidden: torch.Tensor) -> torch.Tensor:
    return torch.log_softmax(model.head(hidden).float(), dim=-1)  # (N, V)


@torch.no_grad()
def measure_context(
    model: LanguageModel,
    ids: Sequence[int],
    *,
    ks: Sequence[int] = CONTEXT_KS,
    scored: int = SCORED_TOKENS,
    name: str | None = None,
    progress: Callable[[float], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> ContextCurve:
    """The loss at each k and with full context, on the same ``scored`` positions of ``ids``.

    ``progress`` gets the fraction done (0..1) now and then; ``stop`` is polled between
    batches, and raises MeasurementStopped when it returns True.
    """
    chosen = usable_ks(len(ids), ks, scored=scored)
    if not chosen:
        raise ValueError(f"the text has {len(ids)} tokens: too few to measure how far back the model looks")
    positions = scored_positions(len(ids), chosen[-1], scored)
    data = torch.tensor(list(ids), dtype=torch.long)
    pos = torch.tensor(positions, dtype=torch.long)
    targets = data[pos + 1].to(model.device)
    work = positions[-1] + 1 + sum(chosen) * len(positions)  # tokens to run, for progress
    tick = progress_ticker(work, progress, stop)
    was_training = model.training
    model.eval()
    try:
        with inference_autocast(model.device):
            # Full context: one stream from the start of the text, the state carried throughout.
            tops = []
            state = None
            for start in range(0, positions[-1] + 1, FULL_CHUNK):
                chunk = data[start : min(start + FULL_CHUNK, positions[-1] + 1)].to(model.device)
                out, state = model.rnn(
                    model.embedding(chunk[None]), model.init_state(1) if state is None else state
                )
                tops.append(out[0])
                tick(len(chunk))
            full_lp = _log_probs(model, torch.cat(tops)[pos.to(model.device)])  # (P, V)
            full = float(F.nll_loss(full_lp, targets))
            losses: dict[int, float] = {}
            converged = None
            for k in chosen:
                if converged is not None:
                    losses[k] = losses[converged]
                    tick(k * len(positions))
                    continue
                # (P, k): row p holds ids[t_p − k + 1 .. t_p]
                windows = pos[:, None] + torch.arange(1 - k, 1)[None, :]
                rows = max(1, BATCH_TOKENS // k)
                total = 0.0
                for first in range(0, len(positions), rows):
                    idx = data[windows[first : first + rows]].to(model.device)
                    out, _ = model.rnn(model.embedding(idx), model.init_state(idx.shape[0]))
                    lp = _log_probs(model, out[:, -1])
                    total += float(F.nll_loss(lp, targets[first : first + rows], reduction="sum"))
                    tick(idx.numel())
                losses[k] = total / len(positions)
                close = [abs(v - full) <= CONVERGED * full for v in losses.values()]
                if len(close) >= 2 and close[-1] and close[-2]:
                    converged = k
    finally:
        model.train(was_training)
    cell = model.config.cell
    uses = context_used(losses, full)
    return ContextCurve(name or cell, cell, losses, full, len(positions), uses, converged)


def describe_context(curves: Sequence[ContextCurve]) -> str:
    """ "the LSTM uses about 200 tokens of context; the RNN about 20" """
    parts = []
    for i, curve in enumerate(curves):
        if curve.uses is None:
            amount = f"more than {max(curve.losses)}" if curve.losses else "an unknown number of"
        else:
            amount = f"about {curve.uses}"
        head = f"the {curve.name.upper()} uses " if i == 0 else f"the {curve.name.upper()} "
        parts.append(head + amount + (" tokens of context" if i == 0 else ""))
    return "; ".join(parts)
