"""Inside the model, token by token: the values the Gates tab draws as heatmaps.

The model continues a prompt greedily, then the explicit cells run over prompt
and continuation, recording every gate and the cell state at every position.
Each view comes back as a float32 array (T, H) per layer, and every token as its
text, so the page draws numbers and never touches a tensor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lstm_core.model import LanguageModel
from lstm_core.sampling import SamplingSettings, generate_tokens, prompt_ids
from lstm_core.tokenizers import Tokenizer, token_text

# An LSTM's gates in [0, 1], its signed cell state, and h (not drawn; a unit found in h tints the text).
GATE_VIEWS = ("forget", "input", "output", "c", "h")
HIDDEN_VIEWS = ("h",)  # a cell without those gates shows its hidden state
CONTINUE_TOKENS = 24  # long enough to show the gates at work, short enough to read


@dataclass(frozen=True)
class GateTrace:
    tokens: list[str]  # the text of each position: the prompt's tokens, then the continuation's
    layers: list[dict[str, np.ndarray]]  # per layer: view name -> (T, H) float32

    def views(self, layer: int) -> dict[str, np.ndarray]:
        """The views of one layer; an index past the last layer gives the last."""
        return self.layers[min(layer, len(self.layers) - 1)]


@torch.no_grad()
def trace_gates(
    model: LanguageModel, tokenizer: Tokenizer, prompt: str, *, continue_tokens: int = CONTINUE_TOKENS
) -> GateTrace:
    """Continue ``prompt`` greedily, then record every layer's views over prompt and continuation."""
    ids = prompt_ids(tokenizer, prompt)
    settings = SamplingSettings(max_tokens=continue_tokens, greedy=True)
    ids += [t.token_id for t in generate_tokens(model, tokenizer, prompt, settings)]
    inspection = model.inspect(torch.tensor([ids], device=model.device))
    layers = []
    for layer in inspection.layers:
        names = GATE_VIEWS if layer.forget is not None else HIDDEN_VIEWS
        layers.append({name: getattr(layer, name)[0].float().cpu().numpy() for name in names})
    return GateTrace([token_text(tokenizer, i) for i in ids], layers)
