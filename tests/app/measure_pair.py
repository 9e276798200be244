"""A tiny untrained LSTM and RNN on the demo vocabulary, as the panels receive them."""

from __future__ import annotations

from pathlib import Path

import torch

from app.model_store import LoadedModel
from lstm_core.config import ModelConfig
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import train_tokenizer
from training.config import TrainConfig
from training.demo_corpus import corpus_text
from training.run_meta import RunMeta


def tiny_pair() -> tuple[LoadedModel, LoadedModel]:
    tokenizer = train_tokenizer("word", corpus_text(200, seed=0))
    pair = []
    for cell in ("lstm", "rnn"):
        torch.manual_seed(0)
        config = ModelConfig(vocab_size=tokenizer.vocab_size, cell=cell, hidden=16, embed=8)
        model = LanguageModel(config).eval()
        meta = RunMeta(model=model.config, training=TrainConfig(grad_clip=1.0))
        pair.append(LoadedModel(model, tokenizer, meta, Path(f"/nowhere/{cell}/checkpoint.safetensors")))
    return pair[0], pair[1]
