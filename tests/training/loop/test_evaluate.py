from __future__ import annotations

import math

import numpy as np
import torch

from lstm_core import LanguageModel, ModelConfig
from training.loop.evaluate import evaluate_tokens


class _Unigram(LanguageModel):
    """Scores every token by a fixed distribution: the loss of a stretch of text is then
    known exactly, which is what the layout of the evaluation is checked against."""

    def __init__(self, probs: list[float]) -> None:
        super().__init__(ModelConfig(vocab_size=len(probs), hidden=8, embed=4))
        self.log_probs = torch.log(torch.tensor(probs))

    def forward(self, idx, state=None, targets=None):  # type: ignore[override]
        logits = self.log_probs.expand(*idx.shape, -1)
        out = super().forward(idx, state, targets)
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return out._replace(logits=logits, loss=loss)


def test_a_capped_evaluation_samples_the_whole_text_not_its_start() -> None:
    # token 0 is likely, token 1 unlikely; the text's first half is all 0s, its second all 1s
    model = _Unigram([0.9, 0.1])
    tokens = np.array([0] * 8000 + [1] * 8000, dtype=np.int64)
    full = evaluate_tokens(model, tokens, chars=len(tokens), batch_size=16, seq_len=64)
    capped = evaluate_tokens(model, tokens, chars=len(tokens), batch_size=16, seq_len=64, max_tokens=4096)
    expected = -(math.log(0.9) + math.log(0.1)) / 2
    assert abs(full.loss_nats - expected) < 0.01
    assert abs(capped.loss_nats - full.loss_nats) < 0.05  # the start alone would say 0.105
    assert capped.tokens == 4096
