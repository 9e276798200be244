"""From files to trained models: the one pipeline the CLI and the window both drive."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from lstm_core.config import ModelConfig
from lstm_core.hardware import pick_device
from lstm_core.model import LanguageModel
from lstm_core.options import OptionError
from lstm_core.tokenizers import Tokenizer
from training.checkpoints import checkpoint as ckpt
from training.checkpoints.checkpoint import BEST_FILE_NAME, FILE_NAME, RNN_SUBDIR
from training.checkpoints.checkpoint_io import previous_path, remove_leftover_temp_files
from training.checkpoints.run_lock import RunLock
from training.checkpoints.run_meta import CorpusInfo, RunMeta
from training.common.control import TrainingControl
from training.common.events import EventCallback, FinishedEvent, NoteEvent, WarningEvent, ignore_events
from training.copies.sample_check import check_samples
from training.data.corpus import CorpusError
from training.data.corpus_messages import held_files_note
from training.data.documents import DocumentMode
from training.data.holdout import DataSplit
from training.data.ingest import IngestCancelled
from training.loop.failures import (
    ModelOutOfMemory,
    fit_precision,
    is_out_of_memory,
    parameter_count,
    refuse_if_too_large,
)
from training.loop.run_loop import train_models
from training.loop.trainer import Trainer
from training.resume_check import check_resume, unknown_share
from training.run_corpus import read_run_corpus
from training.run_spec import RunSpec, resolve_settings
from training.runtime.distributed import device_for, init_from_env, is_main_process, shard


@dataclass
class PreparedRun:
    corpus: CorpusInfo
    tokenizer: Tokenizer
    data: DataSplit
    trainers: list[Trainer]
    lock: RunLock | None = None  # held from preparing to the end of training
    reused: bool = False  # the corpus's tokens came from the token cache
    on_event: EventCallback = ignore_events

    def train(self, control: TrainingControl | None = None) -> list[FinishedEvent]:
        """Run the trainers to their budgets, check the main model's samples for copies of its
        corpus (``training.copies.sample_check``), then let go of the run folder."""
        try:
            results = train_models(self.trainers, control)
            # Once: not when the run has already said that it memorised.
            ended = results and results[0].reason == "completed" and results[0].saved
            if ended and not results[0].memorised and is_main_process():
                self._check_copies(self.trainers[0])
            return results
        finally:
            self.release()

    def _check_copies(self, trainer: Trainer) -> None:
        tokens = trainer.step * trainer.config.batch_size * trainer.config.seq_len
        passes = tokens / max(1, len(self.data.train))
        said = check_samples(trainer.model, self.tokenizer, trainer.meta, passes=passes)
        if said:
            self.on_event(WarningEvent(model=trainer.name, message=said))

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()


def prepare_run(
    spec: RunSpec, on_event: EventCallback = ignore_events, control: TrainingControl | None = None
) -> PreparedRun:
    """Read the corpus, build or restore tokenizer and models, and make the trainers. The run
    folder is locked against other processes until ``PreparedRun.train`` ends (or ``release``).

    Raises IngestCancelled when ``control`` is cancelled while the corpus is read, and
    FolderHoldsRunError when a fresh run would replace a saved one it was not told to."""
    spec = _without_self_contrast(spec, on_event)
    lock = _run_lock(spec) if is_main_process() else None
    if lock is not None:
        lock.acquire()
        remove_leftover_temp_files(Path(spec.out_dir))
        remove_leftover_temp_files(Path(spec.out_dir) / RNN_SUBDIR)
    try:
        _refuse_replacing(spec)  # under the lock: no other run can save there meanwhile
        return _prepare(spec, on_event, lock, control)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def _without_self_contrast(spec: RunSpec, on_event: EventCallback) -> RunSpec:
    """A fresh vanilla RNN asked to train a vanilla RNN beside it trains alone, and says so: the
    contrast would be the same model trained twice. (A pair resumed keeps both, as it was.)"""
    if not spec.compare_rnn or spec.resume or spec.model_options.get("cell") != "rnn":
        return spec
    message = "no vanilla RNN is trained beside the model: it is one itself, and would be trained twice"
    on_event(NoteEvent(model="run", message=message))
    return replace(spec, compare_rnn=False)


def _run_lock(spec: RunSpec) -> RunLock:
    out_dir = Path(spec.out_dir)
    # A pair's RNN trains into a folder of its own, which a run of its own may be aimed at.
    rnn_dir = (out_dir / RNN_SUBDIR,) if spec.compare_rnn else ()
    return RunLock(out_dir, also=rnn_dir, take_over=spec.take_over_lock)


class FolderHoldsRunError(ValueError):
    """A fresh run was aimed at a folder holding a saved one; the message says the ways on."""


def _refuse_replacing(spec: RunSpec) -> None:
    """A fresh run replaces the checkpoints it would write over only when told to."""
    if spec.resume or spec.overwrite:
        return
    out_dir = Path(spec.out_dir)
    rnn_dir = out_dir / RNN_SUBDIR
    if ckpt.has_checkpoint(out_dir):
        held = _describe_run(out_dir)
    elif spec.compare_rnn and ckpt.has_checkpoint(rnn_dir):
        held = f"its vanilla RNN in {rnn_dir}: {_describe_run(rnn_dir)}"
    else:
        return
    raise FolderHoldsRunError(
        f"{out_dir} already holds a run ({held}): resume it with --resume, "
        "or replace it with --overwrite, or choose another --out"
    )


def _describe_run(folder: Path) -> str:
    """What identifies the run: "lstm, 1,234 steps, saved 2026-12-06 14:02"."""
    try:
        meta = ckpt.read_metadata(folder)
    except (OSError, ValueError):  # damaged, but still a run not to be replaced unasked
        return "its checkpoint cannot be read"
    cell = meta.model.cell if meta.model is not None else meta.name
    saved = meta.saved_at
    when = f", saved {time.strftime('%Y-%m-%d %H:%M', time.localtime(saved))}" if saved else ""
    return f"{cell}, {meta.progress.step:,} steps{when}"


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
        check_resume(
            spec,
            resumed.meta,
            fingerprint=corpus.info.fingerprint,
            corpus_description=corpus.info.description,
        )
    elif tokenizer.vocab_size < 3:
        size, where = tokenizer.vocab_size, corpus.info.description
        raise CorpusError(
            f"{where}: at {spec.level} level the text gives only {size} distinct token(s) "
            "(a word must appear twice to be learnt); choose the char level or add text"
        )
    model_config, train_config = resolve_settings(
        spec,
        vocab_size=tokenizer.vocab_size,
        corpus_tokens=len(corpus.tokens),
        resumed=resumed.meta if resumed is not None else None,
        distributed=dist_ctx.enabled,
        on_event=on_event,
    )
    device = device_for(dist_ctx, pick_device(train_config.device))
    models = [(model_config.cell, model_config, out_dir)]
    if spec.compare_rnn:
        models.append(("rnn", replace(model_config, cell="rnn", tie_weights=False), out_dir / RNN_SUBDIR))
    refuse_if_too_large([(name, config) for name, config, _ in models], train_config, device)
    train_config, precision_note = fit_precision(model_config, train_config, device)
    if precision_note:
        on_event(NoteEvent(model=model_config.cell, message=precision_note))
    data = corpus.split(train_config.val_fraction)
    data = replace(data, train=shard(data.train, dist_ctx, train_config.batch_size))
    info = corpus.info if corpus.info.tokens else replace(corpus.info, tokens=len(data.train) + len(data.val))
    if data.held_files:
        on_event(NoteEvent(model="corpus", message=held_files_note(data.held_files, info.files)))
    if data.overlap is not None:
        cut = data.overlap.seen_tokens > 0 and len(data.val) < data.overlap.held_tokens
        info = replace(info, heldout_seen=data.overlap.share, heldout_cut=cut)
        if note := info.heldout_note():
            on_event(
                NoteEvent(model="corpus", message=note) if cut else WarningEvent(model="corpus", message=note)
            )
    meta = RunMeta(level=tokenizer.level, corpus=info)
    stored_fingerprint = resumed.meta.corpus.fingerprint if resumed is not None else ""
    if stored_fingerprint and info.fingerprint != stored_fingerprint:
        unknown = unknown_share(data.train, tokenizer)
        message = f"training on new text with the run's tokenizer: {unknown:.1%} of its tokens are <unk>"
        on_event(WarningEvent(model="corpus", message=message))

    def make(name: str, config: ModelConfig, path: Path) -> Trainer:
        loaded = ckpt.load_checkpoint(path) if resumed is not None and ckpt.has_checkpoint(path) else None
        torch.manual_seed(train_config.seed)
        with _said_as_model_size(name, config, device):
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

    trainers = [make(name, config, path) for name, config, path in models]
    _drop_replaced_rnn(spec, on_event)
    return PreparedRun(info, tokenizer, data, trainers, lock, reused=corpus.reused, on_event=on_event)


@contextmanager
def _said_as_model_size(name: str, config: ModelConfig, device: torch.device) -> Iterator[None]:
    """Building the model, moving it to the device and making its optimizer: an allocation
    that fails there ends the run as a step's does (``OutOfMemory``), naming the model's size
    instead of the allocator's byte count."""
    try:
        yield
    except (torch.OutOfMemoryError, MemoryError, RuntimeError) as err:
        if not is_out_of_memory(err):
            raise
        raise ModelOutOfMemory(
            name,
            parameters=parameter_count(config),
            device=device.type,
            hidden=config.hidden,
            layers=config.layers,
            embed=config.embed,
        ) from err


def _drop_replaced_rnn(spec: RunSpec, on_event: EventCallback) -> None:
    """A run that replaces one without a vanilla RNN of its own to take the old one's place
    removes the old run's RNN: trained on the replaced run's text, it would be taken for this
    run's contrast (``context`` compares against the RNN it finds in the folder). Done once the
    new run is ready to train, so that a refused start removes nothing, and under the RNN
    folder's lock, so that nothing training there loses its checkpoint."""
    rnn_dir = Path(spec.out_dir) / RNN_SUBDIR
    if not spec.overwrite or spec.compare_rnn or not ckpt.has_checkpoint(rnn_dir):
        return
    with RunLock(rnn_dir, take_over=spec.take_over_lock):
        checkpoint = rnn_dir / FILE_NAME
        for path in (checkpoint, previous_path(checkpoint), rnn_dir / BEST_FILE_NAME):
            path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # only when empty: what else is there stays
        rnn_dir.rmdir()
    message = f"removed {rnn_dir}: the vanilla RNN of the run this one replaces, trained on its text"
    on_event(WarningEvent(model="run", message=message))


def run_training(
    spec: RunSpec, *, on_event: EventCallback = ignore_events, control: TrainingControl | None = None
) -> list[FinishedEvent]:
    try:
        prepared = prepare_run(spec, on_event, control)
    except IngestCancelled:
        return []  # stopped before training began: there is no model to finish
    return prepared.train(control)
