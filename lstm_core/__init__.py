"""Models, cells, tokenizers and sampling for LSTM Studio. Plain PyTorch, no Qt."""

from lstm_core.config import ModelConfig
from lstm_core.model import LanguageModel

__all__ = ["LanguageModel", "ModelConfig"]
