"""From files to trained models: the one pipeline the CLI and the window both drive."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from lstm_core.config import ModelConfig
from lstm_core.hardware import pick_device
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer, decode, tokenizer_from_dict, train_tokenizer
from training import checkpoint as ckpt
from training.batching import split_train_val, to_token_array
from training.config import TrainConfig
from training.control import TrainingControl
from training.corpus import Corpus, load_corpus
from training.distributed import device_for, init_from_env, shard
from training.events import EventCallback, FinishedEvent, WarningEvent, ignore_events
from training.presets import LEVEL_EMBED, get_preset
from training.trainer import DataSplit, Trainer, train_models

RNN_SUBDIR = "rnn"


@dataclass(frozen=True)
class RunSpec:
    paths: tuple[str, ...]
    out_dir: Path
    preset: str = "quick"
    level: str = "char"
    model_options: dict[str, Any] = field(default_factory=dict)  # only what was chosen
    train_options: dict[str, Any] = field(default_factory=dict)  # only what was chosen
    compare_rnn: bool = False
    resume: bool = False


@dataclass
class PreparedRun:
    corpus: Corpus
    tokenizer: Tokenizer
    data: DataSplit
    trainers: list[Trainer]


def encode_split(tokenizer: Tokenizer, text: str, val_fraction: float) -> DataSplit:
    tokens = to_token_array(tokenizer.encode(text), tokenizer.vocab_size)
    train, val = split_train_val(tokens, val_fraction)
    val_chars = len(decode(tokenizer, val.tolist()))
    return DataSplit(train, val, max(1, val_chars))


def _budget_override(options: dict[str, Any]) -> dict[str, Any]:
    # Naming one budget unit drops the other, so "--steps 500" is not capped by a preset's minutes.
    if options.get("steps") is not None:
        return {**options, "minutes": None}
    if options.get("minutes") is not None:
        return {**options, "steps": None}
    return options


def _fresh_configs(spec: RunSpec, vocab_size: int) -> tuple[ModelConfig, TrainConfig]:
    preset = get_preset(spec.preset)
    model_fields = preset.model_fields(spec.train_options.get("minutes"))
    if LEVEL_EMBED.get(spec.level):
        model_fields["embed"] = LEVEL_EMBED[spec.level]
    model_fields.update(spec.model_options)
    model = ModelConfig(vocab_size=vocab_size, **model_fields)
    train = TrainConfig.from_dict({**preset.train, **_budget_override(spec.train_options)})
    return model, train


def prepare_run(spec: RunSpec, on_event: EventCallback = ignore_events) -> PreparedRun:
    """Read the corpus, build or restore tokenizer and models, and make the trainers."""
    corpus = load_corpus(spec.paths)
    for message in corpus.warnings:
        on_event(WarningEvent(model="corpus", message=message))
    out_dir = Path(spec.out_dir)
    main_path = ckpt.resolve_path(out_dir)
    resumed = ckpt.load_checkpoint(main_path) if spec.resume and main_path.exists() else None
    if spec.resume and resumed is None:
        on_event(WarningEvent(model="run", message=f"nothing to resume in {out_dir}; starting fresh"))
    if resumed is not None:
        tokenizer = tokenizer_from_dict(resumed.meta["tokenizer"])
        model_config = ModelConfig.from_dict(resumed.meta["model"])
        stored = TrainConfig.from_dict(resumed.meta["training"]).to_dict()
        train_config = TrainConfig.from_dict({**stored, **_budget_override(spec.train_options)})
    else:
        tokenizer = train_tokenizer(spec.level, corpus.text)
        model_config, train_config = _fresh_configs(spec, tokenizer.vocab_size)
    data = encode_split(tokenizer, corpus.text, train_config.val_fraction)
    dist_ctx = init_from_env()
    data = DataSplit(shard(data.train, dist_ctx), data.val, data.val_chars)
    device = device_for(dist_ctx, pick_device(train_config.device))
    meta = {
        "corpus": {
            "files": [f.path for f in corpus.files],
            "chars": len(corpus.text),
            "tokens": int(len(data.train) + len(data.val)),
            "encodings": corpus.encodings,
            "description": corpus.describe(),
        },
        "level": tokenizer.level,
    }

    def make(name: str, config: ModelConfig, path: Path) -> Trainer:
        loaded = (
            ckpt.load_checkpoint(path) if resumed is not None and ckpt.resolve_path(path).exists() else None
        )
        torch.manual_seed(train_config.seed)
        return Trainer(
            name=name,
            model=LanguageModel(config),
            tokenizer=tokenizer,
            data=data,
            config=train_config,
            device=device,
            out_path=path,
            meta=meta,
            on_event=on_event,
            resume=loaded,
            dist_ctx=dist_ctx,
        )

    trainers = [make(model_config.cell, model_config, out_dir)]
    if spec.compare_rnn:
        trainers.append(
            make("rnn", replace(model_config, cell="rnn", tie_weights=False), out_dir / RNN_SUBDIR)
        )
    return PreparedRun(corpus, tokenizer, data, trainers)


def run_training(
    spec: RunSpec, *, on_event: EventCallback = ignore_events, control: TrainingControl | None = None
) -> list[FinishedEvent]:
    prepared = prepare_run(spec, on_event)
    return train_models(prepared.trainers, control)
