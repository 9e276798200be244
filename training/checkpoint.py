"""Checkpoints: one safetensors file holding the tensors, with all the rest as JSON
in its header metadata. One file means one atomic rename: a crash mid-save leaves
the previous checkpoint whole. Nothing is ever unpickled on load.

Tensor names: ``model.*`` weights, ``optim.<param>.<key>`` AdamW state,
``rng.torch`` the CPU generator, ``state.h`` / ``state.c`` the carried hidden state.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save as save_tensors
from torch import Tensor

from lstm_core.config import ModelConfig
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer, tokenizer_from_dict

FORMAT_VERSION = 1
FILE_NAME = "checkpoint.safetensors"
_META_KEY = "lstm_studio"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and why."""


@dataclass
class LoadedCheckpoint:
    path: Path
    meta: dict[str, Any]  # format_version, model, tokenizer, training, progress, metrics, corpus
    tensors: dict[str, Tensor]

    def prefixed(self, prefix: str) -> dict[str, Tensor]:
        return {k[len(prefix) :]: v for k, v in self.tensors.items() if k.startswith(prefix)}


def resolve_path(path: str | Path) -> Path:
    """A checkpoint file, or a run folder holding one (existing or not)."""
    path = Path(path)
    return path if path.suffix == ".safetensors" else path / FILE_NAME


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
    return tensors, state["param_groups"]


def save_checkpoint(
    path: str | Path,
    *,
    model: LanguageModel,
    tokenizer: Tokenizer,
    meta: dict[str, Any],
    optimizer: torch.optim.Optimizer | None = None,
    extra_tensors: dict[str, Tensor] | None = None,
) -> Path:
    """Write atomically: temp file in the same folder, fsync, rename."""
    path = resolve_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = _model_tensors(model)
    full_meta = {
        **meta,
        "format_version": FORMAT_VERSION,
        "model": model.config.to_dict(),
        "tokenizer": tokenizer.to_dict(),
    }
    if optimizer is not None:
        optim_tensors, groups = _optimizer_tensors(optimizer)
        tensors.update(optim_tensors)
        full_meta["optimizer_groups"] = groups
    tensors.update(extra_tensors or {})
    cpu = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    blob = save_tensors(cpu, metadata={_META_KEY: json.dumps(full_meta)})
    fd, tmp = tempfile.mkstemp(prefix=".checkpoint-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path, *, tensors: bool) -> tuple[dict[str, Any], dict[str, Tensor]]:
    """(metadata, tensors or {}) after checking the file is ours and not from the future."""
    if not path.exists():
        raise CheckpointError(f"{path}: no checkpoint there")
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
    return meta, loaded


def load_checkpoint(path: str | Path) -> LoadedCheckpoint:
    path = resolve_path(path)
    meta, tensors = _read(path, tensors=True)
    return LoadedCheckpoint(path, meta, tensors)


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The checkpoint's JSON metadata without its tensors: only the safetensors header is read,
    so the window can ask "is this run finished?" on the GUI thread. Same errors as load_checkpoint."""
    return _read(resolve_path(path), tensors=False)[0]


def build_model(loaded: LoadedCheckpoint, device: str | torch.device = "cpu") -> LanguageModel:
    try:
        model = LanguageModel(ModelConfig.from_dict(loaded.meta["model"]))
        missing, unexpected = model.load_state_dict(loaded.prefixed("model."), strict=False)
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"{loaded.path}: model weights do not match its config ({err})") from err
    allowed_missing = {"head.weight"} if model.config.tie_weights else set()
    if unexpected or set(missing) - allowed_missing:
        raise CheckpointError(f"{loaded.path}: model weights do not match its config")
    return model.to(device)


def load_model(
    path: str | Path, device: str | torch.device = "cpu"
) -> tuple[LanguageModel, Tokenizer, dict[str, Any]]:
    """(model in eval mode, tokenizer, metadata) from a checkpoint file or run folder."""
    loaded = load_checkpoint(path)
    model = build_model(loaded, device).eval()
    try:
        tokenizer = tokenizer_from_dict(loaded.meta["tokenizer"])
    except (KeyError, ValueError, TypeError) as err:
        raise CheckpointError(f"{loaded.path}: the tokenizer in it cannot be read ({err})") from err
    return model, tokenizer, loaded.meta


def restore_optimizer(optimizer: torch.optim.Optimizer, loaded: LoadedCheckpoint) -> None:
    state: dict[int, dict[str, Tensor]] = {}
    for name, value in loaded.prefixed("optim.").items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": loaded.meta["optimizer_groups"]})
