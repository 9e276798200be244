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

import torch
from torch import Tensor

from training.common.events import StepEvent

GPU_READBACK_STEPS = 16  # steps per read-back on a GPU: the host then waits once per 16 steps


def readback_interval(device: torch.device) -> int:
    return 1 if device.type == "cpu" else GPU_READBACK_STEPS


@dataclass(frozen=True)
class HostStep:
    """What the host knew of a step when it ran: all a StepEvent says but the device's values."""

    model: str
    step: int
    total_steps: int | None
    lr: float
    tokens_per_s: float
    elapsed_s: float
    eta_s: float
    progress: float


@dataclass(frozen=True)
class ReadStep:
    """One step as read back: its loss and gradient norm, and what the host knew then."""

    loss: float
    grad_norm: float
    host: HostStep

    def finite(self, *, check_grad: bool) -> bool:
        # With a float16 loss scaler an infinite gradient is the scaler's business: it skips
        # that update and lowers the scale. Only the loss then says the model diverged.
        return math.isfinite(self.loss) and (not check_grad or math.isfinite(self.grad_norm))

    def event(self, *, clip: float | None) -> StepEvent:
        """The step as reported; ``clip`` is the run's gradient clipping threshold, if any."""
        host = self.host
        return StepEvent(
            model=host.model,
            step=host.step,
            total_steps=host.total_steps,
            loss=self.loss,
            lr=host.lr,
            grad_norm=self.grad_norm,
            clipped=clip is not None and self.grad_norm > clip,
            tokens_per_s=host.tokens_per_s,
            elapsed_s=host.elapsed_s,
            eta_s=host.eta_s,
            progress=host.progress,
        )


class StepReadout:
    def __init__(self, every: int) -> None:
        self.every = max(1, every)
        self._values: list[Tensor] = []  # per step: [loss, grad_norm] on the device
        self._host: list[tuple[float, float]] = []  # the fetched values, in the same order
        self._described: list[HostStep] = []

    def __len__(self) -> int:
        return len(self._values)

    @property
    def due(self) -> bool:
        return len(self._values) >= self.every

    def record(self, loss: Tensor, grad_norm: Tensor) -> None:
        # One small kernel on the device; nothing is read here.
        self._values.append(torch.stack((loss.detach().float(), grad_norm.detach().float())))

    def describe(self, host: HostStep) -> None:
        """What the host knew of the step recorded last."""
        self._described.append(host)

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
            ReadStep(loss, grad, host) for (loss, grad), host in zip(self._host, self._described, strict=True)
        ]
        self.clear()
        return steps

    def clear(self) -> None:
        self._values.clear()
        self._host.clear()
        self._described.clear()
