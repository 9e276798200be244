"""Rigid versus gated memory, measured on real text.

How much of its memory does each model rewrite per step? For the vanilla RNN
the memory is h, recomputed from scratch every step; for the LSTM it is the
cell state C, which changes only where the gates let it. Alongside, how the
LSTM's forget gates split: the share held nearly shut (wipe) and nearly open
(keep), the structured retain-and-forget the vanilla RNN has no mechanism for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch

from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer


@dataclass(frozen=True)
class GateUsage:
    cell: str
    rewrite_per_step: float  # mean ||m_t - m_{t-1}|| / ||m_{t-1}||, m = C (LSTM) or h (RNN, GRU)
    forget_open: float | None  # LSTM only: share of (step, unit) forget gates above 0.9 (keep)
    forget_shut: float | None  # LSTM only: share below 0.1 (wipe)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@torch.no_grad()
def measure_gate_usage(
    model: LanguageModel, tokenizer: Tokenizer, text: str, *, max_tokens: int = 2000
) -> GateUsage:
    """Top-layer figures over the first ``max_tokens`` tokens of text."""
    ids = tokenizer.encode(text)[:max_tokens]
    if len(ids) < 3:
        raise ValueError("too little text to measure memory on")
    trace = model.inspect(torch.tensor([ids], device=model.device)).layers[-1]
    memory = (trace.c if trace.c is not None else trace.h)[0].float()  # (T, H)
    change = (memory[1:] - memory[:-1]).norm(dim=-1) / memory[:-1].norm(dim=-1).clamp_min(1e-6)
    forget_open = forget_shut = None
    if trace.forget is not None:
        forget = trace.forget[0].float()  # (T, H)
        forget_open = float((forget > 0.9).float().mean())
        forget_shut = float((forget < 0.1).float().mean())
    return GateUsage(model.config.cell, float(change[1:].mean()), forget_open, forget_shut)
