"""Failures a run can meet that a person can act on (a step or the model not fitting in
memory), each with a readable message; and the checks made before a model is built, for a
model whose step cannot fit in memory, or whose size a kernel cannot take."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import torch

from lstm_core.config import ModelConfig
from lstm_core.hardware import autocast_dtype
from lstm_core.model import LanguageModel
from lstm_core.options import OptionError
from training.common.config import TrainConfig

_OOM_MARKERS = ("out of memory", "can't allocate memory", "not enough memory")
FLOAT32_BYTES = 4  # the weights' dtype: autocast computes in lower precision, but stores float32
# Float32 copies of every parameter at a run's peak: the weights, their gradients and AdamW's
# two moments (4), the snapshot of weights and moments a diverged step rolls back to (3), the
# best weights (1), and what a checkpoint being written and the sampler hold besides. Measured:
# 40 bytes per parameter over the process's own at the peak of a 54-million-parameter run.
TRAINING_COPIES = 10
# Weight rows per hidden unit of one layer: the gates (and candidate) each cell computes.
GATE_ROWS = {"lstm": 4, "gru": 3, "rnn": 1, "mingru": 2}
# torch 2.13's CPU (oneDNN) bfloat16 LSTM segfaults in its backward pass once one weight matrix
# holds 2**29 numbers (2 GiB as float32): measured, 4 × 16 × 8,388,608 crashes and
# 4 × 16 × 8,300,000 does not; float32, GRU and RNN of that size train.
BF16_LSTM_MAX_WEIGHT = 1 << 29


def is_out_of_memory(err: BaseException) -> bool:
    """torch raises OutOfMemoryError on CUDA, but a plain RuntimeError from the CPU allocator."""
    if isinstance(err, MemoryError):
        return True
    text = str(err).lower()
    return any(marker in text for marker in _OOM_MARKERS)


class OutOfMemory(ValueError):
    """A step did not fit in memory. Nothing from it was kept; the last checkpoint stands."""

    def __init__(self, model: str, step: int, batch_size: int, seq_len: int) -> None:
        smaller_batch = max(1, batch_size // 2)
        smaller_seq = max(8, seq_len // 2)
        super().__init__(
            f"{model}: out of memory at step {step} (batch {batch_size} × sequence {seq_len}); "
            f"nothing from that step was kept. Try a smaller batch (--batch {smaller_batch}) "
            f"or sequence length (--seq-len {smaller_seq}), or a smaller model"
        )


def _smaller_model(hidden: int, layers: int, embed: int) -> str:
    fewer_layers = f", fewer layers (--layers {layers - 1})" if layers > 1 else ""
    return (
        f"Try a smaller hidden size (--hidden {max(1, hidden // 2)}){fewer_layers} "
        f"or a smaller embedding (--embed {max(1, embed // 2)})"
    )


def _model_size(model: str, device: str, parameters: int) -> str:
    """What both of the model's refusals start with: its name, where, its parameters' size."""
    weights = _size(parameters * FLOAT32_BYTES)
    return (
        f"{model}: out of memory building the model on {device}: {parameters:,} parameters need "
        f"{weights} as float32, and training holds about {TRAINING_COPIES} times that (gradients, "
        "the optimizer's two moments, a snapshot to roll back to, the best weights)"
    )


class ModelOutOfMemory(OutOfMemory):
    """Building the model (its weights, their copy on the device, the optimizer's state) did
    not fit in memory. Nothing was trained; a checkpoint already there stands."""

    def __init__(
        self, model: str, *, parameters: int, device: str, hidden: int, layers: int, embed: int
    ) -> None:
        # Not OutOfMemory's own message, which is about a step: this one names the model.
        ValueError.__init__(
            self, f"{_model_size(model, device, parameters)}. {_smaller_model(hidden, layers, embed)}"
        )


class ModelTooLarge(OutOfMemory):
    """Training the model cannot fit in the memory there is, known before it is built. Found
    out later it costs more: the first steps allocate far more than building did, and an
    allocation that fails inside a kernel, or the system's out-of-memory killer, ends the
    process without a word."""

    def __init__(
        self, model: str, config: ModelConfig, *, parameters: int, need: int, free: int, device: str
    ) -> None:
        ValueError.__init__(
            self,
            f"{_model_size(model, device, parameters)}: {_size(need)} in all with a step's "
            f"activations, more than the {_size(free)} free there. "
            + _smaller_model(config.hidden, config.layers, config.embed),
        )


def training_bytes(config: ModelConfig, *, parameters: int, batch_size: int, seq_len: int) -> int:
    """The memory a run of this model needs at its peak: ``TRAINING_COPIES`` of its weights,
    and per token of a step the embedding, each layer's gates, cell and output, and the logits
    with their softmax and gradient. Kernels' own workspaces come on top."""
    gates = GATE_ROWS.get(config.cell, 4)
    per_token = config.embed + config.layers * (gates + 2) * config.hidden + 3 * config.vocab_size
    return (parameters * TRAINING_COPIES + batch_size * seq_len * per_token) * FLOAT32_BYTES


def free_bytes(device: torch.device) -> int | None:
    """What this process may still allocate on ``device``, or None where it is not known."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    if device.type != "cpu":
        return None
    limits = [v for v in (_meminfo_free(), _cgroup_free(), _address_space_free()) if v is not None]
    return min(limits) if limits else None


def _meminfo_free() -> int | None:
    """Linux's MemAvailable (free and reclaimable) plus free swap."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        return sum(int(fields[k].split()[0]) * 1024 for k in ("MemAvailable", "SwapFree"))
    except (OSError, KeyError, ValueError):
        return None


def _cgroup_free() -> int | None:
    """A container's memory limit (cgroup v2) less what the group uses."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit == "max":
            return None
        return int(limit) - int(Path("/sys/fs/cgroup/memory.current").read_text())
    except (OSError, ValueError):
        return None


def _address_space_free() -> int | None:
    """``ulimit -v``: the address space this process may still map."""
    try:
        import resource  # POSIX only
    except ImportError:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        status = Path(f"/proc/{os.getpid()}/status").read_text().splitlines()
        used = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return None
    return soft - used


def largest_gate_weight(config: ModelConfig) -> int:
    """The numbers in the largest weight matrix of the recurrent stack: the first layer's
    input weights (gates × hidden × embed) or a recurrent one (gates × hidden × hidden)."""
    rows = GATE_ROWS.get(config.cell, 4) * config.hidden
    return rows * max(config.embed, config.hidden)


def parameter_count(config: ModelConfig) -> int:
    # Built on the meta device: shapes without storage, so a model too large to allocate is counted.
    with torch.device("meta"):
        return LanguageModel(config).num_parameters()


def refuse_if_too_large(
    models: Sequence[tuple[str, ModelConfig]], train: TrainConfig, device: torch.device
) -> None:
    """ModelTooLarge before anything is built when a step of the run's models (built and
    trained side by side) cannot fit in the memory there is: the allocation would fail in the
    first step, or crash the process in a kernel that does not check it."""
    free = free_bytes(device)
    if free is None:
        return
    sizes = [(name, config, parameter_count(config)) for name, config in models]
    need = sum(
        training_bytes(config, parameters=count, batch_size=train.batch_size, seq_len=train.seq_len)
        for _, config, count in sizes
    )
    if need > free:
        name, config, count = max(sizes, key=lambda size: size[2])
        raise ModelTooLarge(name, config, parameters=count, need=need, free=free, device=device.type)


def fit_precision(
    config: ModelConfig, train: TrainConfig, device: torch.device
) -> tuple[TrainConfig, str | None]:
    """``train``, and a note to show, in float32 where bfloat16 would crash the CPU's LSTM
    kernel (``BF16_LSTM_MAX_WEIGHT``): chosen for a precision left at auto, refused (an
    OptionError) for bfloat16 asked for by name."""
    largest = largest_gate_weight(config)
    if config.cell != "lstm" or largest < BF16_LSTM_MAX_WEIGHT or device.type != "cpu":
        return train, None
    if train.precision not in ("auto", "bf16") or autocast_dtype(device, train.precision) != torch.bfloat16:
        return train, None
    kernel = f"too large for the CPU's bfloat16 LSTM kernel, which crashes at {BF16_LSTM_MAX_WEIGHT:,}"
    if train.precision == "bf16":
        raise OptionError(
            f"{config.cell}: its largest weight matrix ({largest:,} numbers) is {kernel}; train in "
            "float32 (--precision fp32), or with a smaller embedding or hidden size"
        )
    note = f"trains in float32: its largest weight matrix ({largest:,} numbers) is {kernel}"
    return replace(train, precision="fp32"), note


def _size(n_bytes: int) -> str:
    """1234567 -> "1.2 MB": decimal units, as memory sizes are usually said."""
    size = float(n_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000:
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} TB"
