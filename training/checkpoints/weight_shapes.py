"""Weights that do not fit the settings saved beside them, said in one phrase.

``load_state_dict`` lists every size that differs, a line per weight; a person needs the
first difference and the setting behind it ("hidden 256 but its weights are 128 wide").
"""

from __future__ import annotations

from torch import Tensor

from lstm_core.model import LanguageModel

# The settings a weight's dimensions come from, and the rows per unit a cell stacks: a vanilla
# RNN's 1, a GRU's 3 gates, an LSTM's 4.
_WIDTH_SETTINGS = ("hidden", "embed", "vocab_size")
_ROWS_PER_UNIT = (1, 3, 4)


def weights_mismatch(model: LanguageModel, weights: dict[str, Tensor], *, may_lack: set[str]) -> str | None:
    """The first way `weights` differ from what the model's settings build, as one phrase;
    None when they fit."""
    expected = model.state_dict()
    for name, tensor in expected.items():
        if name not in weights:
            if name in may_lack:
                continue
            return f"its settings call for a weight {name} that it does not hold"
        want, have = tuple(tensor.shape), tuple(weights[name].shape)
        if want != have:
            shapes = f"{name}: {_dims(have)}, where its settings give {_dims(want)}"
            said = _setting_behind(model, want, have)
            return f"its settings say {said} ({shapes})" if said else f"its weights do not fit ({shapes})"
    extra = sorted(set(weights) - set(expected))
    return f"it holds a weight {extra[0]} that its settings do not call for" if extra else None


def _setting_behind(model: LanguageModel, want: tuple[int, ...], have: tuple[int, ...]) -> str | None:
    """The setting a weight's first differing dimension (from the last) comes from, as
    "hidden 256 but its weights are 128 wide"; None when no setting accounts for it."""
    if len(want) != len(have):
        return None
    wanted, held = next((w, h) for w, h in zip(reversed(want), reversed(have), strict=True) if w != h)
    for setting in _WIDTH_SETTINGS:
        value = getattr(model.config, setting)
        for rows in _ROWS_PER_UNIT:
            if wanted == rows * value and held % rows == 0:
                return f"{setting} {value} but its weights are {held // rows} wide"
    return None


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape)
