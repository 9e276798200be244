"""Each step's loss and gradient norm, kept where they were computed and read back to the
host a few steps at a time.

Reading a value off a GPU waits for every queued kernel: doing it after each step would
leave the GPU idle while Python prepares the next one. So the trainer records the
values as device tensors and reads a block of them with one transfer, every
``every`` steps and before anything that must see finite weights (a validation, a
checkpoint, the end). On the CPU the values are already on the host and ``every`` is 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

GPU_READBACK_STEPS = 16  # steps per read-back on a GPU: the host then waits once per 16 steps


def readback_interval(device: torch.device) -> int:
    return 1 if device.type == "cpu" else GPU_READBACK_STEPS


@dataclass(frozen=True)
class ReadStep:
    """One step as read back: its loss and gradient norm, and what the host knew then."""

    loss: float
    grad_norm: float
    fields: dict[str, Any]  # the StepEvent's host-side fields (step, lr, timings, ...)

    def finite(self, *, check_grad: bool) -> bool:
        # With a float16 loss scaler an infinite gradient is the scaler's business: it skips
        # that update and lowers the scale. Only the loss then says the model diverged.
        return math.isfinite(self.loss) and (not check_grad or math.isfinite(self.grad_norm))


class StepReadout:
    def __init__(self, every: int) -> None:
        self.every = max(1, every)
        self._values: list[Tensor] = []  # per step: [loss, grad_norm] on the device
        self._host: list[tuple[float, float]] = []  # the fetched values, in the same order
        self._fields: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self._values)

    @property
    def due(self) -> bool:
        return len(self._values) >= self.every

    def record(self, loss: Tensor, grad_norm: Tensor) -> None:
        # One small kernel on the device; nothing is read here.
        self._values.append(torch.stack((loss.detach().float(), grad_norm.detach().float())))

    def describe(self, fields: dict[str, Any]) -> None:
        """The host-side fields of the step recorded last."""
        self._fields.append(fields)

    def fetch(self) -> None:
        """Bring every recorded value to the host with one transfer (the wait for the device
        happens here, so the caller can count it in the step's time)."""
        if len(self._values) > len(self._host):
            pending = self._values[len(self._host) :]
            block = torch.stack(pending) if len(pending) > 1 else pending[0].unsqueeze(0)
            self._host.extend((loss, grad) for loss, grad in block.tolist())

    def read(self) -> list[ReadStep]:
        """Every described step, oldest first; then empty."""
        self.fetch()
        steps = [
            ReadStep(loss, grad, fields)
            for (loss, grad), fields in zip(self._host, self._fields, strict=True)
        ]
        self.clear()
        return steps

    def clear(self) -> None:
        self._values.clear()
        self._host.clear()
        self._fields.clear()
