"""The model's configuration: one dataclass every module is built from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from lstm_core.options import OptionError, check_known, field_names, known_only

# mingru: gates read only x_t, so training runs as a scan over the sequence (lstm_core/mingru.py)
CellKind = Literal["lstm", "rnn", "gru", "mingru"]
CELL_KINDS: tuple[str, ...] = get_args(CellKind)


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int
    cell: CellKind = "lstm"  # lstm | rnn | gru | mingru: comparing them is a config flip
    layers: int = 1  # one wide layer learns fastest in a few CPU minutes
    hidden: int = 512  # width of h (and of C for the LSTM)
    embed: int = 128  # characters need few dimensions; words and BPE want more
    dropout: float = 0.0  # short budgets underfit, so regularisation only slows them
    tie_weights: bool = False  # shares embedding and head; needs embed == hidden

    def __post_init__(self) -> None:
        if self.cell not in CELL_KINDS:
            raise OptionError(f"unknown cell {self.cell!r}: choose one of {', '.join(CELL_KINDS)}")
        if self.vocab_size < 2:
            raise OptionError("the vocabulary needs at least two tokens")
        for name in ("layers", "hidden", "embed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise OptionError(f"{name} must be a positive whole number, not {value!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise OptionError(f"dropout must be in [0, 1), not {self.dropout}")
        if self.tie_weights and self.embed != self.hidden:
            raise OptionError("weight tying needs embed == hidden")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        """What a person may choose; the vocabulary size comes from the tokenizer."""
        return tuple(n for n in field_names(cls) if n != "vocab_size")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelConfig:
        """Strict: an unknown key is an OptionError that names it."""
        check_known(data, field_names(cls), what="model")
        return cls(**data)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> ModelConfig:
        """Lenient, for checkpoints: keys an older version wrote and this one lacks are dropped."""
        return cls(**known_only(data, field_names(cls)))
