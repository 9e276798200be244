"""A whole training step captured once in a CUDA graph and replayed, where shapes are static.

At the small shapes (2 layers of 128, batch 50, sequence 50) a step on a GPU is a few
hundred short kernels, and the GPU spends much of it waiting for Python to launch the next
one: the trainer reached about 0.90 of a bare cuDNN loop there. Captured with
``torch.cuda.graph``, the forward pass under autocast, the backward pass, the clipping, the
fused AdamW update and the copy of the new carried state go to the GPU as one launch.

PyTorch's rules for a capture (the "CUDA Graphs" part of its CUDA semantics notes), and how
they are met here:

- warm up before capturing, on a side stream: the first ``WARMUP_STEPS`` steps are real
  training steps, run eagerly on the stream the capture then uses, so that cuDNN, cuBLAS and
  the optimizer's state are set up there first; the captured step is then replayed once,
  which is what runs it;
- every replay reads and writes the same memory: the batch and the carried state are copied
  into static buffers, and the learning rate is a device tensor that ``set_learning_rate``
  fills in place (``optimizer.make_capturable``);
- nothing in the step waits for the device: the loss and the gradient norm stay there
  (``step_readout``), and clipping scales by a clamped factor instead of branching;
- the gradients are set to None before capture, so that backward allocates them from the
  graph's private memory pool and every replay refills them in place;
- autocast's cache of cast weights is off inside the step (``make_graphed_callables``
  refuses autocast with it on: cast copies made in a capture belong to its pool).

The graph holds the addresses of the optimizer's state and of cuDNN's dropout state. A
``load_state_dict`` of the optimizer (a roll-back) replaces the first: the graph is then
dropped, warmed up and captured again. torch replaces the second only when the CUDA
generator is re-seeded and an eager cuDNN step with dropout follows; nothing in a run does
that once its steps are captured.

Setting $LSTM_STUDIO_NO_CUDA_GRAPH=1 turns capture off: every step then runs eagerly.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager

import torch
from torch import Tensor

from lstm_core.model import LanguageModel, State
from training.loop.optimizer import gradient_norm, make_capturable, undo_capturable

log = logging.getLogger(__name__)

# Set to 1, training never captures its step in a CUDA graph: each step launches its kernels
# one by one, as on a CPU. For comparing the two, or for a GPU stack that mis-handles graphs.
NO_CUDA_GRAPH_ENV = "LSTM_STUDIO_NO_CUDA_GRAPH"
# Eager steps before the capture: PyTorch's own examples take three. By then cuDNN has its
# workspaces, cuBLAS its handle on the side stream and AdamW its moments.
WARMUP_STEPS = 3


class CaptureRefused(Exception):
    """The capture failed and the step it was for has not run; the message says so to a person."""


def graph_eligible(
    *,
    device: torch.device,
    distributed: bool,
    loss_scaled: bool,
    optimizer: torch.optim.Optimizer,
    environ: Mapping[str, str] = os.environ,
) -> bool:
    """Whether a run's training step may be captured in a CUDA graph: on a CUDA device (where
    launches are what the small shapes wait for), in one process (DDP's all-reduce needs a
    setup of its own in a capture), without float16's loss scaler (``GradScaler.step`` makes
    the host wait for the device), with the fused AdamW (Muon's AdamW part reads its step
    count on the host), and unless $LSTM_STUDIO_NO_CUDA_GRAPH says no."""
    if environ.get(NO_CUDA_GRAPH_ENV, "") not in ("", "0"):
        return False
    fused_adamw = isinstance(optimizer, torch.optim.AdamW) and all(
        group.get("fused") for group in optimizer.param_groups
    )
    return device.type == "cuda" and not distributed and not loss_scaled and fused_adamw


def refused_note(err: BaseException) -> str:
    """What a person reads when capture failed: one line, no traceback. Where an operation in
    the step failed, ending the capture raises an error of its own ("operation failed due to a
    previous error during capture") with the real one as its context: that one is named."""
    while err.__context__ is not None and "previous error during capture" in str(err):
        err = err.__context__
    reason = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
    return (
        f"training steps are not captured in a CUDA graph on this GPU ({reason}); "
        f"each step launches its kernels one by one, as with {NO_CUDA_GRAPH_ENV}=1"
    )


class GraphedStep:
    """One model's training step: ``WARMUP_STEPS`` eager steps, then a capture, then replays.

    ``step(x, y, state)`` trains on one batch from ``state`` and returns the loss, the gradient
    norm and the new state: tensors of its own, overwritten by the next step. The new state is
    the static one, so zeroing its rows in place (``streams.restart_some_streams``) is seen by
    the next replay; any other state handed in (a new epoch's zeros, a resumed or rolled-back
    state) is copied into it."""

    def __init__(
        self,
        model: LanguageModel,
        optimizer: torch.optim.Optimizer,
        *,
        amp_dtype: torch.dtype | None,
        clip: float | None,
        warmup_steps: int = WARMUP_STEPS,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.amp_dtype = amp_dtype
        self.clip = clip
        self.warmup_steps = warmup_steps
        self.device = model.device
        self.stream = torch.cuda.Stream(self.device)  # the warm-up steps and the capture run here
        # The learning rate the captured step reads: float32, as the fused AdamW's kernel takes it.
        self.rate = torch.zeros((), dtype=torch.float32, device=self.device)
        self.graph: torch.cuda.CUDAGraph | None = None
        self.captures = 0  # successful captures so far: one in a run that is never rolled back
        self.warmed = 0  # eager steps since the start, or since the graph was dropped
        self._x: Tensor | None = None  # (B, T) token ids, static
        self._y: Tensor | None = None  # (B, T) next ids, static
        self._parts: tuple[Tensor, ...] = ()  # the carried state, static: (h, c) or (h,)
        self._state: State | None = None  # the same tensors as the model takes them
        self._outputs: tuple[Tensor, Tensor] | None = None  # the captured loss and gradient norm

    @property
    def captured(self) -> bool:
        return self.graph is not None

    def step(self, x: Tensor, y: Tensor, state: State) -> tuple[Tensor, Tensor, State]:
        if self.graph is not None and any(g["lr"] is not self.rate for g in self.optimizer.param_groups):
            self.drop()  # loaded from a state dict since the capture: its tensors are new ones
        static_state = self._take(x, y, state)
        if self.graph is None:
            if self.warmed < self.warmup_steps:
                loss, grad_norm = self._warm_up()
                return loss, grad_norm, static_state
            self._capture()
        assert self.graph is not None and self._outputs is not None
        self.graph.replay()
        loss, grad_norm = self._outputs
        return loss, grad_norm, static_state

    def drop(self) -> None:
        """Forget the captured graph, for when what it updates was replaced (the optimizer's
        state, loaded from a snapshot): the next steps warm up and capture anew."""
        self.graph = None
        self._outputs = None
        self.warmed = 0
        undo_capturable(self.optimizer)

    # ---- the step, eager or captured ----------------------------------------------------
    def _take(self, x: Tensor, y: Tensor, state: State) -> State:
        """This step's batch, and a state other than the static one, copied into the static
        buffers (allocated at the first step); the static state."""
        given = _parts(state)
        if self._x is None or self._x.shape != x.shape or _shapes(given) != _shapes(self._parts):
            if self.graph is not None:
                self.drop()
            self._x, self._y = torch.empty_like(x), torch.empty_like(y)
            self._parts = tuple(torch.empty_like(part) for part in given)
            self._state = _as_state(self._parts)
        assert self._y is not None and self._state is not None
        self._x.copy_(x, non_blocking=True)
        self._y.copy_(y, non_blocking=True)
        if state is not self._state:
            for mine, theirs in zip(self._parts, given, strict=True):
                mine.copy_(theirs)
        return self._state

    def _run(self) -> tuple[Tensor, Tensor]:
        """Forward, backward, clipping, update, and the new state copied into the static one:
        the loss and the gradient norm."""
        assert self._x is not None and self._y is not None and self._state is not None
        with self._autocast():
            out = self.model(self._x, self._state, self._y)
        assert out.loss is not None  # targets were given
        out.loss.backward()
        grad_norm = gradient_norm(self.model.parameters(), self.clip)
        self.optimizer.step()
        for mine, new in zip(self._parts, _parts(out.state), strict=True):
            mine.copy_(new.detach())  # after backward, which still read the old state
        return out.loss.detach(), grad_norm

    def _autocast(self) -> AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.amp_dtype, cache_enabled=False)

    def _warm_up(self) -> tuple[Tensor, Tensor]:
        """One real step, eager, on the side stream, as PyTorch asks before a capture. What it
        allocates there is freed for that stream's reuse; the stream's next work waits for the
        current stream first, so the current stream's reads of the loss come before any reuse."""
        current = torch.cuda.current_stream(self.device)
        self.stream.wait_stream(current)
        with torch.cuda.stream(self.stream):
            self.optimizer.zero_grad(set_to_none=True)
            loss, grad_norm = self._run()
        current.wait_stream(self.stream)
        self.warmed += 1
        return loss, grad_norm

    def _capture(self) -> None:
        graph = torch.cuda.CUDAGraph()
        make_capturable(self.optimizer, self.rate)
        self.optimizer.zero_grad(set_to_none=True)  # backward allocates them from the graph's pool
        try:
            _fresh_cublas_workspaces()
            # The outer stream context restores the current stream even when ending the capture
            # raises (torch.cuda.graph's own exit then skips that). "thread_local": a window
            # thread using the GPU meanwhile neither fails nor spoils the capture, as in
            # torch.compile's own CUDA graphs.
            with (
                torch.cuda.stream(self.stream),
                torch.cuda.graph(graph, stream=self.stream, capture_error_mode="thread_local"),
            ):
                outputs = self._run()
        except Exception as err:  # whatever refuses the capture, training goes on without it
            undo_capturable(self.optimizer)
            self.optimizer.zero_grad(set_to_none=True)  # the capture's gradients were never computed
            log.debug("capturing the training step in a CUDA graph failed", exc_info=True)
            raise CaptureRefused(refused_note(err)) from err
        _fresh_cublas_workspaces()  # the capture's workspace stays in its pool, out of the cache
        self.graph, self._outputs = graph, outputs
        self.captures += 1


def _fresh_cublas_workspaces() -> None:
    """Drop cuBLAS's cached workspaces, so that the capture allocates the one it uses from the
    graph's own pool. One left from the warm-up would live in the common pool, and whoever
    clears the cache later (torch.compile's CUDA graphs do, around each of theirs) would hand
    its memory to other tensors while replays still write there."""
    clear = getattr(torch._C, "_cuda_clearCublasWorkspaces", None)
    if clear is not None:
        clear()


def _parts(state: State) -> tuple[Tensor, ...]:
    return state if isinstance(state, tuple) else (state,)


def _as_state(parts: tuple[Tensor, ...]) -> State:
    return (parts[0], parts[1]) if len(parts) == 2 else parts[0]


def _shapes(parts: tuple[Tensor, ...]) -> list[torch.Size]:
    return [part.shape for part in parts]
