"""One language model for every cell: embedding -> recurrent stack -> linear head.

Training and prompt processing go through torch's fused kernels (cuDNN on
CUDA, oneDNN on CPU). ``inspect`` runs the explicit cells of ``cells.py`` on
the same weights and returns what happened inside at every step.
"""

from __future__ import annotations

from typing import NamedTuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstm_core import cells
from lstm_core.config import ModelConfig
from lstm_core.mingru import MinGRU

# LSTM: (h, c), each (layers, B, H). RNN and GRU: h, (layers, B, H).
State = Union[tuple[Tensor, Tensor], Tensor]  # noqa: UP007 (a runtime alias; 3.10 lacks | on generics here)

_FUSED = {"lstm": nn.LSTM, "rnn": nn.RNN, "gru": nn.GRU}


class ModelOutput(NamedTuple):
    logits: Tensor  # (B, T, V)
    loss: Tensor | None  # mean cross-entropy in nats per token, when targets are given
    state: State  # the state after the last step, to carry into the next chunk


class LayerTrace(NamedTuple):
    """Per-step values of one layer, each (B, T, H). Gates absent for a cell are None."""

    h: Tensor
    c: Tensor | None
    forget: Tensor | None
    input: Tensor | None
    candidate: Tensor | None
    output: Tensor | None
    reset: Tensor | None
    update: Tensor | None


class Inspection(NamedTuple):
    logits: Tensor  # (B, T, V)
    layers: list[LayerTrace]
    state: State


class LanguageModel(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed)
        dropout = config.dropout if config.layers > 1 else 0.0
        self.rnn: nn.Module
        if config.cell == "mingru":
            self.rnn = MinGRU(config.embed, config.hidden, num_layers=config.layers, dropout=dropout)
        else:
            extra = {"nonlinearity": "tanh"} if config.cell == "rnn" else {}
            self.rnn = _FUSED[config.cell](
                config.embed,
                config.hidden,
                num_layers=config.layers,
                dropout=dropout,
                batch_first=True,
                **extra,
            )
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden, config.vocab_size)
        if config.tie_weights:
            self.head.weight = self.embedding.weight
        self._init_forget_bias()

    def _init_forget_bias(self) -> None:
        # A forget gate that starts near open (f ≈ 0.73) lets gradients reach far back
        # from the first step instead of having to learn to remember first.
        if self.config.cell != "lstm":
            return
        hidden = self.config.hidden
        with torch.no_grad():
            for layer in range(self.config.layers):
                getattr(self.rnn, f"bias_ih_l{layer}")[hidden : 2 * hidden].fill_(1.0)
                getattr(self.rnn, f"bias_hh_l{layer}")[hidden : 2 * hidden].fill_(0.0)

    @property
    def device(self) -> torch.device:
        return self.head.weight.device

    # A fused optimizer writes every weight in one kernel and leaves each tensor's version
    # counter as it was, so whatever is made from the weights (the generation step's layout,
    # a copy in another process) could not tell that they moved. Whoever updates the weights
    # that way says so here.
    weights_version: int = 0

    def weights_changed(self) -> None:
        self.weights_version += 1

    def weights_stamp(self) -> tuple[int, ...]:
        """Changes whenever a parameter is replaced or changed in place (by an op torch counts,
        or by an update reported through ``weights_changed``): what is made from the weights
        is kept while the stamp stays."""
        counted = tuple(v for p in self.parameters() for v in (id(p), p.data_ptr(), p._version))
        return (self.weights_version, *counted)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def init_state(self, batch_size: int) -> State:
        shape = (self.config.layers, batch_size, self.config.hidden)
        h = self.head.weight.new_zeros(shape)
        if self.config.cell == "lstm":
            return (h, torch.zeros_like(h))
        return h

    def forward(self, idx: Tensor, state: State | None = None, targets: Tensor | None = None) -> ModelOutput:
        """idx (B, T) token ids; targets (B, T) the next ids, or None."""
        if state is None:
            state = self.init_state(idx.shape[0])
        x = self.drop(self.embedding(idx))  # (B, T, E)
        out, state = self.rnn(x, state)  # (B, T, H)
        logits = self.head(self.drop(out))  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().flatten(0, 1), targets.flatten())
        return ModelOutput(logits, loss, state)

    def layer_weights(self, layer: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """(w_ih, w_hh, b_ih, b_hh) of one layer of the fused module, shared, not copied."""
        if self.config.cell == "mingru":
            raise ValueError("a minGRU layer has no recurrent weights W_hh; see MinGRU.layer_weights")
        return tuple(
            getattr(self.rnn, f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )

    def cell_weights(self, layer: int) -> tuple[Tensor, ...]:
        """What this layer's explicit cell in ``cells.py`` takes after (x, h[, c])."""
        if self.config.cell == "mingru":
            return (getattr(self.rnn, f"weight_ih_l{layer}"), getattr(self.rnn, f"bias_ih_l{layer}"))
        return self.layer_weights(layer)

    @torch.no_grad()
    def inspect(self, idx: Tensor, state: State | None = None) -> Inspection:
        """Run the explicit cells step by step on the fused weights (dropout off).

        Slow by design: it is the readable reference and the source of the
        gate and cell-state views, not the training or generation path.
        """
        kind = self.config.cell
        if state is None:
            state = self.init_state(idx.shape[0])
        hs = list(state[0] if kind == "lstm" else state)
        cs = list(state[1]) if kind == "lstm" else []
        x_seq = self.embedding(idx)  # (B, T, E)
        traces: list[LayerTrace] = []
        for layer in range(self.config.layers):
            weights = self.cell_weights(layer)
            h = hs[layer]
            c = cs[layer] if kind == "lstm" else h  # the GRU and RNN carry no C
            steps: dict[str, list[Tensor]] = {}
            values: dict[str, Tensor]
            for t in range(x_seq.shape[1]):
                x = x_seq[:, t]
                if kind == "mingru":
                    small = cells.mingru_step(x, h, *weights)
                    h = small.h
                    values = small._asdict()
                elif kind == "lstm":
                    lstm = cells.lstm_step(x, h, c, *weights)
                    h, c = lstm.h, lstm.c
                    values = lstm._asdict()
                elif kind == "gru":
                    gru = cells.gru_step(x, h, *weights)
                    h = gru.h
                    values = gru._asdict()
                else:
                    h = cells.rnn_step(x, h, *weights)
                    values = {"h": h}
                for name, value in values.items():
                    steps.setdefault(name, []).append(value)
            stacked = {name: torch.stack(vals, dim=1) for name, vals in steps.items()}
            traces.append(LayerTrace(stacked["h"], *(stacked.get(f) for f in LayerTrace._fields[1:])))
            hs[layer] = h
            if kind == "lstm":
                cs[layer] = c
            x_seq = stacked["h"]
        logits = self.head(x_seq)
        new_state: State = (torch.stack(hs), torch.stack(cs)) if kind == "lstm" else torch.stack(hs)
        return Inspection(logits, traces, new_state)
