"""The model's configuration: one dataclass every module is built from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

CellKind = Literal["lstm", "rnn", "gru"]
CELL_KINDS: tuple[str, ...] = ("lstm", "rnn", "gru")


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int
    cell: CellKind = "lstm"  # lstm | rnn | gru: comparing them is a config flip
    layers: int = 1  # one wide layer learns fastest in a few CPU minutes
    hidden: int = 512  # width of h (and of C for the LSTM)
    embed: int = 128  # characters need few dimensions; words and BPE want more
    dropout: float = 0.0  # short budgets underfit, so regularisation only slows them
    tie_weights: bool = False  # shares embedding and head; needs embed == hidden

    def __post_init__(self) -> None:
        if self.cell not in CELL_KINDS:
            raise ValueError(f"unknown cell {self.cell!r}: choose one of {', '.join(CELL_KINDS)}")
        if self.vocab_size < 2:
            raise ValueError("the vocabulary needs at least two tokens")
        if self.layers < 1 or self.hidden < 1 or self.embed < 1:
            raise ValueError("layers, hidden and embed must be positive")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")
        if self.tie_weights and self.embed != self.hidden:
            raise ValueError("weight tying needs embed == hidden")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
