"""The hardware a model runs on: which device, which precision it does natively, and how
many kernel threads each job gets. Chosen automatically, overridable by the person."""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from pathlib import Path

import torch

# ---- precision -------------------------------------------------------------------------
# Set to 1, this CPU is treated as one without native bfloat16 (a Zen 3, say): training's
# "auto" precision, long prompts and the presets' timings all take the float32 path. The
# benchmarks set it for `--precision fp32`, so that one machine measures both kinds of CPU.
NO_BF16_ENV = "LSTM_STUDIO_NO_BF16"


@cache
def cpu_supports_bf16() -> bool:
    """True where oneDNN has native bfloat16 kernels (AVX512-BF16 or AMX), unless
    $LSTM_STUDIO_NO_BF16 says to act as a CPU without them."""
    if os.environ.get(NO_BF16_ENV, "") not in ("", "0"):
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def cpu_model() -> str:
    """The processor's marketing name where Linux gives it, else what Python knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def inference_autocast(device: torch.device) -> AbstractContextManager:
    """bfloat16 autocast for a long forward pass where the CPU does it natively, the
    precision training used; float32 elsewhere."""
    if device.type == "cpu" and cpu_supports_bf16():
        return torch.autocast(device_type="cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


# ---- devices ---------------------------------------------------------------------------
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")


class DeviceError(ValueError):
    pass


def pick_device(preference: str = "auto") -> torch.device:
    """cuda, then mps, then cpu; a named device that is not present is an error."""
    if preference not in DEVICES:
        raise DeviceError(f"unknown device {preference!r}: choose one of {', '.join(DEVICES)}")
    has_mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if preference == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if has_mps else "cpu")
    if preference == "cuda" and not torch.cuda.is_available():
        raise DeviceError("device cuda was asked for, but this machine has no usable CUDA GPU")
    if preference == "mps" and not has_mps:
        raise DeviceError("device mps was asked for, but Apple's Metal backend is not available here")
    return torch.device(preference)


def to_device(batch: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``batch`` on ``device`` without the host waiting for the GPU.

    A copy from ordinary (pageable) memory makes CUDA finish everything queued on the
    stream first, so each training step would drain the GPU before the next could be
    queued. Copied through page-locked memory (torch's caching host allocator, which
    keeps a block until its copy is done), the copy joins the queue instead.
    """
    if device.type == "cuda" and batch.device.type == "cpu":
        return batch.pin_memory().to(device, non_blocking=True)
    return batch.to(device)


def device_label(device: torch.device) -> str:
    """What a person should read: the GPU's name, or CPU."""
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return "CPU"


def autocast_dtype(device: torch.device, precision: str = "auto") -> torch.dtype | None:
    """The autocast dtype for training, or None for plain float32.

    auto: bfloat16 on a CPU with native bf16 instructions (and on CUDA where
    supported, else float16); float32 elsewhere, including MPS.
    """
    if precision == "fp32":
        return None
    if precision not in ("auto", "bf16", "fp16"):
        raise DeviceError(f"unknown precision {precision!r}: choose auto, bf16, fp16 or fp32")
    if device.type == "cuda":
        if precision == "fp16" or not torch.cuda.is_bf16_supported():
            return torch.float16
        return torch.bfloat16
    if device.type == "cpu":
        if precision == "fp16":
            raise DeviceError("float16 training is only offered on CUDA")
        if precision == "bf16" or cpu_supports_bf16():
            return torch.bfloat16
    return None


def autocast(device: torch.device, dtype: torch.dtype | None) -> AbstractContextManager:
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


# ---- kernel threads --------------------------------------------------------------------
# At batch 1 a recurrent step is a few matrix-vector products bound by memory bandwidth.
# One model alone gets its step split over every core; two models generating together each
# get their share, so that both run at once instead of taking turns on all the cores
# (measured in benchmarks/generation_speed.py).
def share_of_threads(parts: int, total: int | None = None) -> int:
    """Kernel threads for one of `parts` jobs running at once on `total` (default: this
    thread's count)."""
    return max(1, (total or torch.get_num_threads()) // max(1, parts))


@contextmanager
def kernel_threads(count: int, *, restore: int) -> Iterator[None]:
    """Run the calling thread's torch kernels on `count` threads, then set `restore`.

    torch.set_num_threads also sets the count that threads started later begin with, so a
    worker cannot read "its" count on entry (a sibling may have changed it already): the
    thread that starts the workers reads it once and passes it in.
    """
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(restore)
