"""From files to trained models: the one pipeline the CLI and the window both drive."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from lstm_core.config import ModelConfig
from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.hardware import pick_device
from lstm_core.model import LanguageModel
from lstm_core.options import OptionError, check_known
from lstm_core.tokenizers import LEVELS, Tokenizer, decode, train_tokenizer
from training import checkpoint as ckpt
from training.batching import split_train_val, to_token_array
from training.config import TrainConfig
from training.control import TrainingControl
from training.corpus import Corpus, load_corpus
from training.distributed import device_for, init_from_env, shard
from training.documents import STREAM, DocumentMode, document_split, document_tokenizer, split_documents
from training.events import EventCallback, FinishedEvent, WarningEvent, ignore_events
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
    documents: str = STREAM  # stream, files, lines or separator:TEXT (training/documents.py)

    def __post_init__(self) -> None:
        DocumentMode.parse(self.documents)  # nonsense fails here, naming the choices
        check_known(self.model_options, ModelConfig.option_names(), what="model")
        check_known(self.train_options, TrainConfig.option_names(), what="training")
        if self.level not in LEVELS:
            raise OptionError(f"unknown level {self.level!r}: choose one of {', '.join(LEVELS)}")
        get_preset(self.preset)  # an unknown preset fails here, naming the choices


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


def prepare_run(spec: RunSpec, on_event: EventCallback = ignore_events) -> PreparedRun:
    """Read the corpus, build or restore tokenizer and models, and make the trainers."""
    out_dir = Path(spec.out_dir)
    main_path = ckpt.resolve_path(out_dir)
    resumed = ckpt.load_checkpoint(main_path) if spec.resume and main_path.exists() else None
    if spec.resume and resumed is None:
        on_event(WarningEvent(model="run", message=f"nothing to resume in {out_dir}; starting fresh"))
    paths = spec.paths or (resumed.meta.corpus.files if resumed is not None else ())
    if not paths:
        raise OptionError(f"{out_dir}: no corpus given, and no run there records one")
    corpus = load_corpus(paths)
    for message in corpus.warnings:
        on_event(WarningEvent(model="corpus", message=message))
    mode = DocumentMode.parse(resumed.meta.corpus.documents if resumed is not None else spec.documents)
    documents = None if mode.is_stream else split_documents(corpus, mode)
    if resumed is not None:
        tokenizer = ckpt.build_tokenizer(resumed)
        assert resumed.meta.model is not None  # load_checkpoint checks it
        model_config = resumed.meta.model
        stored = resumed.meta.training or get_preset(spec.preset).train_config({})
        train_config = stored.with_options(spec.train_options)
        ignored = _ignored_on_resume(spec, resumed.meta)
        if ignored:
            message = f"resuming {out_dir}: ignored " + "; ".join(ignored)
            on_event(WarningEvent(model="run", message=message))
    else:
        tokenizer = (
            train_tokenizer(spec.level, corpus.text)
            if documents is None
            else document_tokenizer(spec.level, documents)
        )
        model_config, train_config = _fresh_configs(spec, tokenizer.vocab_size)
    if documents is None:
        data = encode_split(tokenizer, corpus.text, train_config.val_fraction)
    elif isinstance(tokenizer, DocumentTokenizer):
        data = document_split(tokenizer, documents, train_config.val_fraction)
    else:
        raise OptionError(f"{out_dir}: the run was trained without documents; it cannot resume with them")
    dist_ctx = init_from_env()
    data = DataSplit(shard(data.train, dist_ctx), data.val, data.val_chars)
    device = device_for(dist_ctx, pick_device(train_config.device))
    meta = RunMeta(
        level=tokenizer.level,
        corpus=CorpusInfo(
            files=tuple(f.path for f in corpus.files),
            chars=len(corpus.text),
            tokens=int(len(data.train) + len(data.val)),
            encodings=corpus.encodings,
            description=corpus.describe(),
            documents=mode.describe(),
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
        documents=meta.corpus.documents,
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
        documents=meta.corpus.documents,
    )


def run_training(
    spec: RunSpec, *, on_event: EventCallback = ignore_events, control: TrainingControl | None = None
) -> list[FinishedEvent]:
    prepared = prepare_run(spec, on_event)
    return train_models(prepared.trainers, control)
