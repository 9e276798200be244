"""A tiny untrained LSTM and RNN on the demo vocabulary, as the panels receive them."""

from __future__ import annotations

from pathlib import Path

from app.model_store import LoadedModel
from lstm_core.tokenizers import train_tokenizer
from training.checkpoints.run_meta import RunMeta
from training.common.config import TrainConfig
from training.demo.demo_corpus import corpus_text
from training.demo.tiny import tiny_model


def tiny_pair() -> tuple[LoadedModel, LoadedModel]:
    tokenizer = train_tokenizer("word", corpus_text(200, seed=0))
    pair = []
    for cell in ("lstm", "rnn"):
        model = tiny_model(tokenizer.vocab_size, cell=cell).eval()
        meta = RunMeta(model=model.config, training=TrainConfig(grad_clip=1.0))
        pair.append(LoadedModel(model, tokenizer, meta, Path(f"/nowhere/{cell}/checkpoint.safetensors")))
    return pair[0], pair[1]
