"""What a run is asked to do (``RunSpec``), and the one place that turns it into the final
``ModelConfig`` and ``TrainConfig`` (``resolve_settings``): the preset, the recipe fitted to
this machine, the person's own options and a resumed run's stored values, in that order.
The rest of the pipeline only reads what comes out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lstm_core.config import ModelConfig
from lstm_core.options import OptionError, check_known
from lstm_core.tokenizers import LEVELS
from training.checkpoints import checkpoint as ckpt
from training.checkpoints.checkpoint import RNN_SUBDIR
from training.checkpoints.run_meta import RunMeta
from training.common.config import TrainConfig
from training.common.events import EventCallback, WarningEvent, ignore_events
from training.data import corpus_messages as say
from training.data.corpus import CorpusError
from training.data.documents import STREAM, DocumentMode
from training.presets import preset_fit
from training.presets.presets import DEFAULT_PRESET, get_preset

# The largest budgets a run accepts: beyond them no machine finishes, and a mistyped exponent
# (--minutes 1e308) would show an ETA of "inf". A year of minutes (365.25 days), 10^12 steps.
MAX_MINUTES = 525_960
MAX_STEPS = 10**12


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
    documents: str = STREAM  # stream, files, lines or separator:TEXT (training/data/documents.py)
    # A fresh run into a folder that holds one replaces it only when asked: a finished run is
    # hours of work, and the same --out typed twice is an easy slip.
    overwrite: bool = False
    # Take over a lock another host left in the folder: only the person can know that
    # nothing there trains into it any more (training/checkpoints/run_lock.py).
    take_over_lock: bool = False

    def __post_init__(self) -> None:
        DocumentMode.parse(self.documents)  # nonsense fails here, naming the choices
        check_known(self.model_options, ModelConfig.option_names(), what="model")
        check_known(self.train_options, TrainConfig.option_names(), what="training")
        if self.level not in LEVELS:
            raise OptionError(f"unknown level {self.level!r}: choose one of {', '.join(LEVELS)}")
        get_preset(self.preset)  # an unknown preset fails here, naming the choices
        _check_budget(self.train_options)


def _check_budget(options: Mapping[str, Any]) -> None:
    """A budget past MAX_STEPS or MAX_MINUTES is refused, naming the limit."""
    for key, most, what in (("steps", MAX_STEPS, ""), ("minutes", MAX_MINUTES, " (a year)")):
        value = options.get(key)
        if isinstance(value, int | float) and value > most:
            given = f"{value:,}" if isinstance(value, int) else f"{value:g}"
            raise OptionError(f"{key} must be at most {most:,}{what}, not {given}")


def _fresh_configs(
    spec: RunSpec, vocab_size: int, corpus_tokens: int, *, distributed: bool, on_event: EventCallback
) -> tuple[ModelConfig, TrainConfig]:
    preset = get_preset(spec.preset)
    model_fields, train = preset.settings(spec.level, spec.train_options)
    # On a CPU the preset's model and recipe are fitted to this machine, budget and corpus
    # (every rank of a distributed run must agree on one model, so those keep the preset's).
    if not distributed:
        model_fields, train = preset_fit.fitted_settings(
            level=spec.level,
            model_fields=model_fields,
            train=train,
            model_options=spec.model_options,
            train_options=spec.train_options,
            vocab_size=vocab_size,
            corpus_tokens=corpus_tokens,
            preset_name=preset.name,
            on_event=on_event,
        )
    model = ModelConfig.from_dict({"vocab_size": vocab_size, **model_fields, **spec.model_options})
    return model, train


def resolve_settings(
    spec: RunSpec,
    *,
    vocab_size: int,
    corpus_tokens: int,
    resumed: RunMeta | None,
    distributed: bool,
    on_event: EventCallback = ignore_events,
) -> tuple[ModelConfig, TrainConfig]:
    """The run's final model and training settings. A resumed run keeps its model and its
    stored recipe (the person's training options on top); a fresh one takes the preset, the
    recipe fitted to this machine, then the person's options."""
    if resumed is None:
        return _fresh_configs(spec, vocab_size, corpus_tokens, distributed=distributed, on_event=on_event)
    assert resumed.model is not None  # load_checkpoint checks it
    stored = resumed.training or get_preset(spec.preset).train_config({})
    if spec.preset_given:
        message = f"resuming {spec.out_dir}: the run keeps its own recipe; preset {spec.preset} is ignored"
        on_event(WarningEvent(model="run", message=message))
    _say_if_rnn_left_out(spec, on_event)
    return resumed.model, stored.with_options(spec.train_options)


def _say_if_rnn_left_out(spec: RunSpec, on_event: EventCallback) -> None:
    """A pair's vanilla RNN whose checkpoint is gone is left out of the resume, and said so. Not
    started afresh: beside an LSTM part-way through its budget a new RNN would be an unfair
    contrast. Not refused: the LSTM is the run's main work and should not wait on its contrast."""
    rnn_dir = Path(spec.out_dir) / RNN_SUBDIR
    if spec.compare_rnn or not rnn_dir.is_dir() or ckpt.has_checkpoint(rnn_dir):
        return
    message = f"resuming {spec.out_dir}: its vanilla RNN has no checkpoint in {rnn_dir}; going on without it"
    on_event(WarningEvent(model="run", message=message))


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
    documents: str | None = None,
    compare_rnn: bool = False,
) -> RunSpec:
    """Continue the run saved in `run_dir` on its own corpus (or `paths`), with its vanilla RNN
    when it trained one. Level, preset and model options are the run's own; given ones that
    differ are named in a warning when the run starts. A `documents` mode other than the run's,
    or `compare_rnn` for a run that never had an RNN, is refused: neither can change part-way."""
    run_dir = Path(run_dir)
    meta = ckpt.read_metadata(run_dir)
    _refuse_new_documents(run_dir, trained=meta.corpus.documents, asked=documents)
    if compare_rnn and not (run_dir / RNN_SUBDIR).is_dir():
        raise OptionError(
            f"cannot resume {run_dir} with a vanilla RNN: it was trained without one (there is no "
            f"{run_dir / RNN_SUBDIR}), and one cannot join a run part-way; resume it without the RNN, "
            "or train the pair into a new folder"
        )
    # `unrecorded_paths`: the corpus to use when the run does not name its own (old checkpoints).
    files = tuple(paths) or _recorded_corpus(run_dir, meta) or tuple(unrecorded_paths)
    if not files:
        raise OptionError(f"{run_dir}: the run does not record its corpus; give the corpus paths")
    return RunSpec(
        paths=files,
        out_dir=run_dir,
        preset=preset or DEFAULT_PRESET,
        level=level or meta.level,
        model_options=dict(model_options or {}),
        train_options=dict(train_options or {}),
        compare_rnn=ckpt.has_checkpoint(run_dir / RNN_SUBDIR),
        resume=True,
        documents=meta.corpus.documents,
        level_given=level is not None,
        preset_given=preset is not None,
        allow_new_corpus=allow_new_corpus,
    )


def _recorded_corpus(run_dir: Path, meta: RunMeta) -> tuple[str, ...]:
    """The corpus files the run records, when they are all still there. Gone ones are named
    where the run read them, with the way to name the corpus again: the reader's own error
    would name a relative path that means nothing from another folder."""
    missing = [str(meta.corpus.where_read(name)) for name in meta.corpus.files if not Path(name).exists()]
    if missing:
        raise CorpusError(say.corpus_missing(run_dir, missing))
    return meta.corpus.files


def _refuse_new_documents(run_dir: Path, *, trained: str, asked: str | None) -> None:
    """How the text is cut into documents is fixed for a run: its tokenizer has an end-of-document
    token or not, and the model learnt where documents end. One given on resume must be the run's own."""
    if asked is None or DocumentMode.parse(asked).describe() == DocumentMode.parse(trained).describe():
        return
    raise OptionError(
        f"cannot resume {run_dir}: it was trained with documents {trained}, not {asked}, and the "
        "documents mode cannot change on resume; leave that option out to resume the run, "
        "or train into a new folder"
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
        overwrite=True,  # training the contrast again replaces the one trained before
    )
