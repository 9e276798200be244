"""From files to trained models: the one pipeline the CLI and the window both drive."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lstm_core.config import ModelConfig
from lstm_core.hardware import pick_device
from lstm_core.model import LanguageModel
from lstm_core.options import OptionError, check_known
from lstm_core.tokenizers import LEVELS, Tokenizer
from training import checkpoint as ckpt
from training.batching import to_token_array
from training.config import TrainConfig
from training.control import TrainingControl
from training.distributed import DistContext, builder_first, device_for, init_from_env, shard
from training.events import EventCallback, FinishedEvent, WarningEvent, ignore_events
from training.holdout import count_chars, split_holdout
from training.ingest import IngestCancelled, IngestedCorpus, ingest_corpus
from training.presets import DEFAULT_PRESET, get_preset
from training.run_meta import CorpusInfo, RunMeta
from training.trainer import DataSplit, Trainer, train_models

RNN_SUBDIR = "rnn"


@dataclass(frozen=True)
class RunSpec:
    paths: tuple[str, ...]  # empty with resume: the run's own corpus
    out_dir: Path
    preset: str = DEFAULT_PRESET
    level: str = "char"
    model_options: dict[str, Any] = field(default_factory=dict)  # only what was chosen
    train_options: dict[str, Any] = field(default_factory=dict)  # only what was chosen
    compare_rnn: bool = False
    resume: bool = False
    # Whether level and preset were chosen rather than left at their defaults: a resume
    # names those it cannot honour.
    level_given: bool = False
    preset_given: bool = False

    def __post_init__(self) -> None:
        check_known(self.model_options, ModelConfig.option_names(), what="model")
        check_known(self.train_options, TrainConfig.option_names(), what="training")
        if self.level not in LEVELS:
            raise OptionError(f"unknown level {self.level!r}: choose one of {', '.join(LEVELS)}")
        get_preset(self.preset)  # an unknown preset fails here, naming the choices


@dataclass
class PreparedRun:
    corpus: IngestedCorpus
    tokenizer: Tokenizer
    data: DataSplit
    trainers: list[Trainer]


def split_data(tokenizer: Tokenizer, tokens: np.ndarray, val_fraction: float) -> DataSplit:
    """Training and held-out views of ``tokens`` (see ``training.holdout`` for the rule)."""
    train, val = split_holdout(tokens, val_fraction)
    return DataSplit(train, val, max(1, count_chars(tokenizer, val)))


def encode_split(tokenizer: Tokenizer, text: str, val_fraction: float) -> DataSplit:
    """For text already in memory (the demo builder): encode it all, then split."""
    return split_data(tokenizer, to_token_array(tokenizer.encode(text), tokenizer.vocab_size), val_fraction)


def _fresh_configs(spec: RunSpec, vocab_size: int) -> tuple[ModelConfig, TrainConfig]:
    train = get_preset(spec.preset).train_config(spec.train_options)
    model_fields = get_preset(spec.preset).model_fields(spec.level, train.budget)
    model_fields.update(spec.model_options)
    model = ModelConfig.from_dict({"vocab_size": vocab_size, **model_fields})
    return model, train


def _ignored_on_resume(spec: RunSpec, meta: RunMeta) -> list[str]:
    """Options given with a resume that the run cannot change: its model and tokenizer are fixed."""
    assert meta.model is not None
    ignored = [
        f"{key} {value} (the run's is {getattr(meta.model, key)})"
        for key, value in spec.model_options.items()
        if getattr(meta.model, key) != value
    ]
    if spec.level_given and spec.level != meta.level:
        ignored.append(f"level {spec.level} (the run's is {meta.level})")
    if spec.preset_given:
        ignored.append(f"preset {spec.preset} (the run keeps its own recipe; give options to change it)")
    return ignored


def prepare_run(
    spec: RunSpec, on_event: EventCallback = ignore_events, control: TrainingControl | None = None
) -> PreparedRun:
    """Read the corpus, build or restore tokenizer and models, and make the trainers.

    Raises IngestCancelled when ``control`` is cancelled while the corpus is read."""
    out_dir = Path(spec.out_dir)
    main_path = ckpt.resolve_path(out_dir)
    resumed = ckpt.load_checkpoint(main_path) if spec.resume and main_path.exists() else None
    if spec.resume and resumed is None:
        on_event(WarningEvent(model="run", message=f"nothing to resume in {out_dir}; starting fresh"))
    paths = spec.paths or (resumed.meta.corpus.files if resumed is not None else ())
    if not paths:
        raise OptionError(f"{out_dir}: no corpus given, and no run there records one")
    dist_ctx = init_from_env()
    corpus = _ingest(spec, paths, resumed, dist_ctx, on_event, control)
    tokenizer = corpus.tokenizer
    if resumed is not None:
        assert resumed.meta.model is not None  # load_checkpoint checks it
        model_config = resumed.meta.model
        stored = resumed.meta.training or get_preset(spec.preset).train_config({})
        train_config = stored.with_options(spec.train_options)
        ignored = _ignored_on_resume(spec, resumed.meta)
        if ignored:
            message = f"resuming {out_dir}: ignored " + "; ".join(ignored)
            on_event(WarningEvent(model="run", message=message))
    else:
        model_config, train_config = _fresh_configs(spec, tokenizer.vocab_size)
    data = split_data(tokenizer, corpus.tokens, train_config.val_fraction)
    data = DataSplit(shard(data.train, dist_ctx, train_config.batch_size), data.val, data.val_chars)
    device = device_for(dist_ctx, pick_device(train_config.device))
    meta = RunMeta(
        level=tokenizer.level,
        corpus=CorpusInfo(
            files=tuple(f.path for f in corpus.files),
            chars=corpus.chars,
            tokens=len(corpus.tokens),
            encodings=corpus.encodings,
            description=corpus.describe(),
            fingerprint=corpus.fingerprint,
        ),
    )

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


def _ingest(
    spec: RunSpec,
    paths: Sequence[str],
    resumed: ckpt.LoadedCheckpoint | None,
    dist_ctx: DistContext,
    on_event: EventCallback,
    control: TrainingControl | None,
) -> IngestedCorpus:
    """The corpus as tokens, through the token cache. Under torchrun each node's first process
    builds the cache while the others wait, then read what it built."""
    tokenizer = ckpt.build_tokenizer(resumed) if resumed is not None else None
    cancelled = control.is_cancelled if control is not None else (lambda: False)
    return builder_first(
        dist_ctx,
        lambda: ingest_corpus(
            paths,
            level=spec.level,
            tokenizer=tokenizer,
            on_event=on_event if dist_ctx.is_main else ignore_events,
            cancelled=cancelled,
            fallback_dir=Path(spec.out_dir) / "token-cache",
        ),
    )


def resume_spec(
    run_dir: str | Path,
    *,
    paths: Sequence[str] = (),
    level: str | None = None,
    preset: str | None = None,
    model_options: Mapping[str, Any] | None = None,
    train_options: Mapping[str, Any] | None = None,
) -> RunSpec:
    """Continue the run saved in `run_dir` on its own corpus (or `paths`), with its vanilla RNN
    when it trained one. Level, preset and model options are the run's own; given ones that
    differ are named in a warning when the run starts."""
    run_dir = Path(run_dir)
    meta = ckpt.read_metadata(run_dir)
    files = tuple(paths) or meta.corpus.files
    if not files:
        raise OptionError(f"{run_dir}: the run does not record its corpus; give the corpus paths")
    return RunSpec(
        paths=files,
        out_dir=run_dir,
        preset=preset or DEFAULT_PRESET,
        level=level or meta.level,
        model_options=dict(model_options or {}),
        train_options=dict(train_options or {}),
        compare_rnn=ckpt.resolve_path(run_dir / RNN_SUBDIR).is_file(),
        resume=True,
        level_given=level is not None,
        preset_given=preset is not None,
    )


def own_corpus(meta: RunMeta) -> tuple[str, ...] | None:
    """The files a model was trained on, when they are all still there."""
    files = meta.corpus.files
    return files if files and all(Path(f).is_file() for f in files) else None


def contrast_rnn_spec(
    meta: RunMeta,
    *,
    paths: Sequence[str],
    out_dir: Path,
    preset: str = DEFAULT_PRESET,
    train_options: Mapping[str, Any] | None = None,
) -> RunSpec:
    """A vanilla RNN of a model's own shape and level on `paths`, for the contrast."""
    if meta.model is None:
        raise OptionError("the model's shape is unknown: its checkpoint has no model configuration")
    cfg = meta.model
    return RunSpec(
        paths=tuple(paths),
        out_dir=out_dir,
        preset=preset,
        level=meta.level,
        model_options={"cell": "rnn", "layers": cfg.layers, "hidden": cfg.hidden, "embed": cfg.embed},
        train_options=dict(train_options or {}),
    )


def run_training(
    spec: RunSpec, *, on_event: EventCallback = ignore_events, control: TrainingControl | None = None
) -> list[FinishedEvent]:
    try:
        prepared = prepare_run(spec, on_event, control)
    except IngestCancelled:
        return []  # stopped before training began: there is no model to finish
    return train_models(prepared.trainers, control)
