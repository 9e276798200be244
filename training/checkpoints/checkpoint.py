"""Checkpoints: one safetensors file holding the tensors, with all the rest as JSON
in its header metadata. One file means one atomic rename: a crash mid-save leaves
the previous checkpoint whole. Nothing is ever unpickled on load.

Tensor names: ``model.*`` weights, ``optim.<param>.<key>`` AdamW state,
``rng.torch`` the CPU generator, ``state.h`` / ``state.c`` the carried hidden state.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from torch import Tensor

from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer, tokenizer_from_dict
from training.checkpoints import checkpoint_io as io
from training.checkpoints.run_meta import CorpusInfo, RunMeta
from training.checkpoints.tensor_file import write_tensors
from training.checkpoints.weight_shapes import weights_mismatch

FORMAT_VERSION = 1
FILE_NAME = "checkpoint.safetensors"
BEST_FILE_NAME = "best.safetensors"
RNN_SUBDIR = "rnn"  # a run folder's contrast RNN lives in this subfolder
_META_KEY = "lstm_studio"

log = logging.getLogger(__name__)
# Files already named as unverifiable in this process: a window loads the same one many times.
_unverified_said: set[Path] = set()


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and why. Where the run
    folder keeps an older checkpoint that reads cleanly, ``fallback`` names it."""

    def __init__(self, message: str, *, fallback: Path | None = None) -> None:
        super().__init__(message)
        self.fallback = fallback


@dataclass
class LoadedCheckpoint:
    path: Path
    meta: RunMeta
    tokenizer: dict[str, Any]  # the serialised tokenizer
    optimizer_groups: list[dict[str, Any]] | None  # None: weights only, nothing to resume from
    tensors: dict[str, Tensor]

    def prefixed(self, prefix: str) -> dict[str, Tensor]:
        return {k[len(prefix) :]: v for k, v in self.tensors.items() if k.startswith(prefix)}


def resolve_path(path: str | Path) -> Path:
    """A checkpoint file, or a run folder holding one (existing or not)."""
    path = Path(path)
    return path if path.suffix == ".safetensors" else path / FILE_NAME


def best_path(checkpoint: Path) -> Path:
    """Where a stopped run keeps its best-validated weights, beside its checkpoint.

    A run's checkpoint holds its last weights, because a resume goes on exactly where it
    stopped. A run stopped after its validation loss turned up writes its best weights here
    (weights, tokenizer and metadata; never resumed from), and while the file is there it is
    the run's model. A run that completes ends on its best weights in its checkpoint and
    removes it (``training.loop.trainer_state``)."""
    return checkpoint.with_name(BEST_FILE_NAME)


def model_file(path: str | Path) -> Path:
    """The file a run's model is read from to be used: its best weights where a stop left
    them, else its checkpoint. `path` is a run folder or its checkpoint; any other file (a
    previous checkpoint, a copy) is read as it is."""
    checkpoint = resolve_path(path)
    best = best_path(checkpoint)
    return best if checkpoint.name == FILE_NAME and best.is_file() else checkpoint


def _existing(path: Path) -> Path:
    """The checkpoint to read: the file itself or, where a kill fell between a save's two
    renames, the previous one it had just become."""
    previous = io.previous_path(path)
    return previous if not path.exists() and previous.is_file() else path


def has_checkpoint(path: str | Path) -> bool:
    path = resolve_path(path)
    return path.exists() or io.previous_path(path).is_file()


def _model_tensors(model: LanguageModel) -> dict[str, Tensor]:
    state = model.state_dict()
    if model.config.tie_weights:
        state.pop("head.weight")  # the same storage as embedding.weight; re-tied on load
    return {f"model.{k}": v for k, v in state.items()}


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, Tensor], list[dict]]:
    state = optimizer.state_dict()
    tensors = {
        f"optim.{pid}.{key}": value if torch.is_tensor(value) else torch.tensor(value)
        for pid, slots in state["state"].items()
        for key, value in slots.items()
    }
    return tensors, plain_param_groups(state["param_groups"])


def plain_param_groups(groups: list[dict]) -> list[dict]:
    """An optimizer's parameter groups as files and snapshots hold them: a learning rate kept
    in a tensor (where a step captured in a CUDA graph reads it) as its value, and
    ``capturable`` off. A checkpoint's header is JSON, and whatever loads them (another
    machine, or a roll-back that drops the graph) gets plain eager steps."""
    plain = []
    for group in groups:
        group = {key: value.item() if torch.is_tensor(value) else value for key, value in group.items()}
        if group.get("capturable"):
            group["capturable"] = False
        plain.append(group)
    return plain


def save_checkpoint(
    path: str | Path,
    *,
    model: LanguageModel,
    tokenizer: Tokenizer,
    meta: RunMeta,
    optimizer: torch.optim.Optimizer | None = None,
    extra_tensors: dict[str, Tensor] | None = None,
) -> Path:
    """Write atomically (temp file in the same folder, fsync, rename), tensor by tensor from
    where they lie: a save needs no second copy of the weights and optimizer state."""
    path = resolve_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = _model_tensors(model)
    corpus = _with_working_folder(meta.corpus)
    full_meta = {
        **meta.updated(model=model.config, level=tokenizer.level, corpus=corpus).to_dict(),
        "format_version": FORMAT_VERSION,
        "tokenizer": tokenizer.to_dict(),
        io.CHECKSUM_REQUIRED_KEY: True,
    }
    if optimizer is not None:
        optim_tensors, groups = _optimizer_tensors(optimizer)
        tensors.update(optim_tensors)
        full_meta["optimizer_groups"] = groups
    tensors.update(extra_tensors or {})
    full_meta[io.CHECKSUM_KEY] = io.checksum(full_meta, tensors)
    header = {_META_KEY: json.dumps(full_meta)}
    io.write_atomically(path, lambda file: write_tensors(file, tensors, header))
    return path


def _read(path: Path, *, tensors: bool) -> tuple[dict[str, Any], dict[str, Tensor]]:
    """(raw metadata, tensors or {}) after checking the file is ours, whole and not from the
    future. Without tensors only the header is read, so the checksum is not checked."""
    if not path.exists():
        raise CheckpointError(f"{path}: no checkpoint there")
    if (problem := io.not_a_file(path)) is not None:
        raise CheckpointError(f"{path} {problem}")
    declared = io.header_size(path)
    if declared < 0 or declared > min(io.MAX_HEADER_BYTES, path.stat().st_size):
        raise CheckpointError(f"{path}: not a readable LSTM Studio checkpoint (corrupt or truncated)")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            header = f.metadata() or {}
            loaded = {k: f.get_tensor(k) for k in f.keys()} if tensors else {}  # noqa: SIM118
        meta = json.loads(header[_META_KEY])
    except Exception as err:  # any failure to parse means the file is damaged
        raise CheckpointError(
            f"{path}: not a readable LSTM Studio checkpoint (corrupt or truncated)"
        ) from err
    version = meta.get("format_version") if isinstance(meta, dict) else None
    if not isinstance(version, int):
        raise CheckpointError(f"{path}: has no format version; not an LSTM Studio checkpoint")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: written by a newer LSTM Studio (format {version}; "
            f"this version reads up to {FORMAT_VERSION})"
        )
    _check_checksum(path, meta, loaded if tensors else None)
    return meta, loaded


def _check_checksum(path: Path, meta: dict[str, Any], tensors: dict[str, Tensor] | None) -> None:
    """Refuse a file whose checksum is wrong, or missing where its writer always wrote one.
    Without tensors only the checksum's presence can be checked."""
    stored = meta.get(io.CHECKSUM_KEY)
    if stored is None and meta.get(io.CHECKSUM_REQUIRED_KEY):
        raise CheckpointError(
            f"{path}: damaged or edited: the checksum every checkpoint of this version carries is missing"
        )
    if tensors is not None and stored is not None and stored != io.checksum(meta, tensors):
        raise CheckpointError(f"{path}: damaged: its contents do not match the checksum saved with them")


def _say_if_unverified(path: Path, meta: dict[str, Any]) -> None:
    """One line, once per file, for a checkpoint saved before every file carried a checksum: it
    loads, as it always did, but damage or an edit to it cannot be found."""
    if io.CHECKSUM_KEY in meta or path in _unverified_said:
        return
    _unverified_said.add(path)
    log.warning("%s: saved by an older LSTM Studio without a checksum; it cannot be verified", path)


def _typed(path: Path, raw: dict[str, Any]) -> RunMeta:
    try:
        meta = RunMeta.from_dict(raw)
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: its metadata cannot be read ({err})") from err
    if meta.model is None:
        raise CheckpointError(f"{path}: has no model configuration; not an LSTM Studio checkpoint")
    return _with_corpus_found(meta, path)


def _with_working_folder(corpus: CorpusInfo) -> CorpusInfo:
    """The corpus with the folder its relative names are found in now: a run saves from the
    folder it read them from, and from any other folder they would name nothing."""
    relative = [name for name in corpus.files if not Path(name).is_absolute()]
    if any(Path(name).is_file() for name in relative):
        return dataclasses.replace(corpus, working_folder=os.getcwd())
    return corpus  # nothing found here: what an earlier save recorded still holds


def _with_corpus_found(meta: RunMeta, path: Path) -> RunMeta:
    """A corpus file recorded by a relative name is looked for in the folder the run read it
    from, then the current folder, then beside the checkpoint: in its run folder, then the
    folder above (the shipped demo records "corpus.txt", beside its lstm/ and rnn/ folders)."""
    found = []
    for name in meta.corpus.files:
        if Path(name).is_absolute():  # found or not, it stays as recorded: nothing to look at
            found.append(name)  # (50,000 of them cost a second of stats at every read)
            continue
        candidates = [meta.corpus.where_read(name), Path(name), path.parent / name, path.parent.parent / name]
        here = next((c for c in candidates if c.is_file()), None)
        found.append(name if here is None or here == Path(name) else str(here.resolve()))
    if tuple(found) == meta.corpus.files:
        return meta
    return dataclasses.replace(meta, corpus=dataclasses.replace(meta.corpus, files=tuple(found)))


def _with_fallback(path: Path, err: CheckpointError) -> CheckpointError:
    """The same error, naming the previous checkpoint beside a damaged or missing one when
    that one reads cleanly."""
    previous = io.previous_path(path)
    if err.fallback is not None or not previous.is_file():
        return err
    try:
        _read(previous, tensors=True)
    except CheckpointError:
        return err
    return CheckpointError(f"{err}; the previous checkpoint, {previous}, reads cleanly", fallback=previous)


def load_checkpoint(path: str | Path) -> LoadedCheckpoint:
    path = _existing(resolve_path(path))
    try:
        raw, tensors = _read(path, tensors=True)
    except CheckpointError as err:
        raise _with_fallback(path, err) from err
    _say_if_unverified(path, raw)
    groups = raw.get("optimizer_groups")
    tokenizer = raw.get("tokenizer")
    return LoadedCheckpoint(
        path,
        _typed(path, raw),
        tokenizer if isinstance(tokenizer, dict) else {},
        groups if isinstance(groups, list) else None,
        tensors,
    )


def read_metadata(path: str | Path) -> RunMeta:
    """The checkpoint's metadata without its tensors: only the safetensors header is read,
    so the window can ask "is this run finished?" on the GUI thread. Same errors as load_checkpoint."""
    path = _existing(resolve_path(path))
    return _typed(path, _read(path, tensors=False)[0])


def build_model(loaded: LoadedCheckpoint, device: str | torch.device = "cpu") -> LanguageModel:
    assert loaded.meta.model is not None  # checked by _typed
    weights = loaded.prefixed("model.")
    try:
        model = LanguageModel(loaded.meta.model)
        tied = {"head.weight"} if model.config.tie_weights else set()
        # Checked here rather than left to load_state_dict, whose size errors run to a line per weight.
        mismatch = weights_mismatch(model, weights, may_lack=tied)
        if mismatch is None:
            model.load_state_dict(weights, strict=False)
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(f"{loaded.path}: its model cannot be built from it ({reason})") from err
    if mismatch is not None:
        raise CheckpointError(f"{loaded.path}: {mismatch}; the file is damaged or was edited")
    return model.to(device)


def build_tokenizer(loaded: LoadedCheckpoint) -> Tokenizer:
    try:
        return tokenizer_from_dict(loaded.tokenizer)
    except (KeyError, ValueError, TypeError) as err:
        raise CheckpointError(f"{loaded.path}: the tokenizer in it cannot be read ({err})") from err


def load_model(
    path: str | Path, device: str | torch.device = "cpu"
) -> tuple[LanguageModel, Tokenizer, RunMeta]:
    """(model in eval mode, tokenizer, metadata) from a checkpoint file or run folder: the
    run's best weights where a stop left them (``model_file``)."""
    loaded = load_checkpoint(model_file(path))
    model = build_model(loaded, device).eval()
    return model, build_tokenizer(loaded), loaded.meta


def restore_optimizer(optimizer: torch.optim.Optimizer, loaded: LoadedCheckpoint) -> None:
    state: dict[int, dict[str, Tensor]] = {}
    for name, value in loaded.prefixed("optim.").items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": loaded.optimizer_groups})
