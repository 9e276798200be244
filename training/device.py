"""Where and in what precision to train: chosen automatically, overridable."""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager

import torch

from lstm_core.precision import cpu_supports_bf16

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
