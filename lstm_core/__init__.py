"""Models, cells, tokenizers and sampling for LSTM Studio. Plain PyTorch, no Qt.

The two names below load on first use: importing a light module of this package
(options, tokenizers) must not import torch, which the window loads behind its first paint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lstm_core.config import ModelConfig
    from lstm_core.model import LanguageModel

__all__ = ["LanguageModel", "ModelConfig"]


def __getattr__(name: str) -> Any:
    if name == "LanguageModel":
        from lstm_core.model import LanguageModel

        return LanguageModel
    if name == "ModelConfig":
        from lstm_core.config import ModelConfig

        return ModelConfig
    raise AttributeError(f"module 'lstm_core' has no attribute {name!r}")
