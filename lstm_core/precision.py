"""Which reduced precision the hardware runs natively."""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from functools import cache

import torch


@cache
def cpu_supports_bf16() -> bool:
    """True where oneDNN has native bfloat16 kernels (AVX512-BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def inference_autocast(device: torch.device) -> AbstractContextManager:
    """bfloat16 autocast for a long forward pass where the CPU does it natively, the
    precision training used; float32 elsewhere."""
    if device.type == "cpu" and cpu_supports_bf16():
        return torch.autocast(device_type="cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()
