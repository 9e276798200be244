"""From files to trained models: the one pipeline the CLI and the window both drive."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from lstm_core.config import ModelConfig
from lstm_core.hardware import pick_device
from lstm_core.model import LanguageModel
from lstm_core.options import OptionError, check_known
from lstm_core.tokenizers import LEVELS, Tokenizer
from training import checkpoint as ckpt
from training import preset_fit
from training.checkpoint_io import remove_leftover_temp_files
from training.config import TrainConfig
from training.control import TrainingControl
from training.corpus import CorpusError
from training.distributed import device_for, init_from_env, is_main_process, shard
from training.documents import STREAM, DocumentMode
from training.events import EventCallback, FinishedEvent, NoteEvent, WarningEvent, ignore_events
from training.ingest import IngestCancelled
from training.presets import DEFAULT_PRESET, get_preset
from training.resume_check import check_resume, unknown_share
from training.run_corpus import read_run_corpus
from training.run_lock import RunLock
from training.run_loop import train_models
from training.run_meta import CorpusInfo, RunMeta
from training.trainer import DataSplit, Trainer

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
    # Resume on text other than the run's own, with the run's tokenizer.
    allow_new_corpus: bool = False
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
    corpus: CorpusInfo
    tokenizer: Tokenizer
    data: DataSplit
    trainers: list[Trainer]
    lock: RunLock | None = None  # held from preparing to the end of training
    reused: bool = False  # the corpus's tokens came from the token cache

    def train(self, control: TrainingControl | None = None) -> list[FinishedEvent]:
        """Run the trainers to their budgets, then let go of the run folder."""
        try:
            return train_models(self.trainers, control)
        finally:
            self.release()

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()


def _fresh_configs(
    spec: RunSpec, vocab_size: int, *, distributed: bool, on_event: EventCallback = ignore_events
) -> tuple[ModelConfig, TrainConfig]:
    preset = get_preset(spec.preset)
    # A CUDA GPU gets the preset's GPU shapes; the device option may come from the spec.
    device = pick_device(preset.train_config(spec.train_options).device)
    train = preset.train_config(spec.train_options, device.type)
    model_fields = preset.model_fields(spec.level, train.budget, device.type)
    # On a CPU the preset's model and recipe are fitted to this machine and budget (every
    # rank of a distributed run must agree on one model, so those keep the preset's).
    given = {"model_options": spec.model_options, "train_options": spec.train_options}
    if not distributed and preset_fit.applies(level=spec.level, device=device, train=train, **given):
        fitted = preset_fit.fit(vocab_size=vocab_size, device=device, train=train, on_event=on_event)
        if fitted is not None:
            model_fields.update(fitted.model)
            train = fitted.train
            on_event(NoteEvent(model="run", message=fitted.describe(preset.name)))
    model_fields.update(spec.model_options)
    model = ModelConfig.from_dict({"vocab_size": vocab_size, **model_fields})
    return model, train


def prepare_run(
    spec: RunSpec, on_event: EventCallback = ignore_events, control: TrainingControl | None = None
) -> PreparedRun:
    """Read the corpus, build or restore tokenizer and models, and make the trainers. The run
    folder is locked against other processes until ``PreparedRun.train`` ends (or ``release``).

    Raises IngestCancelled when ``control`` is cancelled while the corpus is read."""
    lock = RunLock(Path(spec.out_dir)) if is_main_process() else None
    if lock is not None:
        lock.acquire()
        remove_leftover_temp_files(Path(spec.out_dir))
        remove_leftover_temp_files(Path(spec.out_dir) / RNN_SUBDIR)
    try:
        return _prepare(spec, on_event, lock, control)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def _prepare(
    spec: RunSpec, on_event: EventCallback, lock: RunLock | None, control: TrainingControl | None
) -> PreparedRun:
    out_dir = Path(spec.out_dir)
    main_path = ckpt.resolve_path(out_dir)
    resumed = ckpt.load_checkpoint(main_path) if spec.resume and ckpt.has_checkpoint(main_path) else None
    if spec.resume and resumed is None:
        on_event(WarningEvent(model="run", message=f"nothing to resume in {out_dir}; starting fresh"))
    paths = spec.paths or (resumed.meta.corpus.files if resumed is not None else ())
    if not paths:
        raise OptionError(f"{out_dir}: no corpus given, and no run there records one")
    dist_ctx = init_from_env()
    mode = DocumentMode.parse(resumed.meta.corpus.documents if resumed is not None else spec.documents)
    corpus = read_run_corpus(
        paths,
        level=spec.level,
        mode=mode,
        resumed=resumed,
        out_dir=out_dir,
        dist_ctx=dist_ctx,
        on_event=on_event,
        control=control,
    )
    tokenizer = corpus.tokenizer
    if resumed is not None:
        assert resumed.meta.model is not None  # load_checkpoint checks it
        model_config = resumed.meta.model
        stored = resumed.meta.training or get_preset(spec.preset).train_config({})
        train_config = stored.with_options(spec.train_options)
        check_resume(
            spec,
            resumed.meta,
            fingerprint=corpus.info.fingerprint,
            corpus_description=corpus.info.description,
        )
        if spec.preset_given:
            message = f"resuming {out_dir}: the run keeps its own recipe; preset {spec.preset} is ignored"
            on_event(WarningEvent(model="run", message=message))
    else:
        if tokenizer.vocab_size < 3:
            size, where = tokenizer.vocab_size, corpus.info.description
            raise CorpusError(
                f"{where}: at {spec.level} level the text gives only {size} distinct token(s) "
                "(a word must appear twice to be learnt); choose the char level or add text"
            )
        model_config, train_config = _fresh_configs(
            spec, tokenizer.vocab_size, distributed=dist_ctx.enabled, on_event=on_event
        )
    data = corpus.split(train_config.val_fraction)
    data = DataSplit(shard(data.train, dist_ctx, train_config.batch_size), data.val, data.val_chars)
    device = device_for(dist_ctx, pick_device(train_config.device))
    info = corpus.info if corpus.info.tokens else replace(corpus.info, tokens=len(data.train) + len(data.val))
    meta = RunMeta(level=tokenizer.level, corpus=info)
    stored_fingerprint = resumed.meta.corpus.fingerprint if resumed is not None else ""
    if stored_fingerprint and info.fingerprint != stored_fingerprint:
        unknown = unknown_share(data.train, tokenizer)
        message = f"training on new text with the run's tokenizer: {unknown:.1%} of its tokens are <unk>"
        on_event(WarningEvent(model="corpus", message=message))

    def make(name: str, config: ModelConfig, path: Path) -> Trainer:
        loaded = ckpt.load_checkpoint(path) if resumed is not None and ckpt.has_checkpoint(path) else None
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
    return PreparedRun(info, tokenizer, data, trainers, lock, reused=corpus.reused)


def resume_spec(
    run_dir: str | Path,
    *,
    paths: Sequence[str] = (),
    unrecorded_paths: Sequence[str] = (),
    level: str | None = None,
    preset: str | None = None,
    model_options: Mapping[str, Any] | None = None,
    train_options: Mapping[str, Any] | None = None,
    allow_new_corpus: bool = False,
) -> RunSpec:
    """Continue the run saved in `run_dir` on its own corpus (or `paths`), with its vanilla RNN
    when it trained one. Level, preset and model options are the run's own; given ones that
    differ are named in a warning when the run starts."""
    run_dir = Path(run_dir)
    meta = ckpt.read_metadata(run_dir)
    # `unrecorded_paths`: the corpus to use when the run does not name its own (old checkpoints).
    files = tuple(paths) or meta.corpus.files or tuple(unrecorded_paths)
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
        allow_new_corpus=allow_new_corpus,
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
    try:
        prepared = prepare_run(spec, on_event, control)
    except IngestCancelled:
        return []  # stopped before training began: there is no model to finish
    return prepared.train(control)
