"""The training loop: stateful truncated BPTT (streams restarted in turns), warm-up + cosine,
clipping and autocast. Events out through a callback, control in through a TrainingControl
checked once per step. Library code never prints.

A Trainer advances one step at a time, so ``run_loop.train_models`` can interleave an
LSTM and a vanilla RNN in one run and both curves grow side by side.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path

import torch
from torch import Tensor

from lstm_core.hardware import autocast, autocast_dtype, to_device
from lstm_core.model import LanguageModel, ModelOutput, State
from lstm_core.sampling import SamplingSettings, generate
from lstm_core.tokenizers import Tokenizer
from training.checkpoints import checkpoint as ckpt
from training.checkpoints.run_meta import RunMeta, ValidationPoint
from training.common.config import TrainConfig
from training.common.events import (
    EventCallback,
    FinishedEvent,
    FinishReason,
    NoteEvent,
    SampleEvent,
    ValidationEvent,
    ignore_events,
)
from training.data.batching import StreamBatcher
from training.data.holdout import DataSplit
from training.loop.document_eval import evaluate_documents
from training.loop.early_stop import should_stop, stopped_early_message
from training.loop.evaluate import EvalResult, evaluate_tokens
from training.loop.failures import OutOfMemory, is_out_of_memory
from training.loop.graph_step import CaptureRefused, GraphedStep, graph_eligible
from training.loop.optimizer import gradient_norm, make_optimizer, set_learning_rate
from training.loop.step_readout import HostStep, StepReadout, readback_interval
from training.loop.streams import detach_state, restart_some_streams
from training.loop.trainer_end import finish_run, roll_back_and_finish
from training.loop.trainer_saves import save_now
from training.loop.trainer_state import (
    BestWeights,
    Snapshot,
    processes_note,
    restore_run,
)
from training.runtime.distributed import SINGLE, DistContext, budget_spent

log = logging.getLogger(__name__)


class Trainer:
    def __init__(
        self,
        *,
        name: str,
        model: LanguageModel,
        tokenizer: Tokenizer,
        data: DataSplit,
        config: TrainConfig,
        device: torch.device,
        out_path: Path,
        meta: RunMeta | None = None,
        on_event: EventCallback = ignore_events,
        resume: ckpt.LoadedCheckpoint | None = None,
        dist_ctx: DistContext = SINGLE,
    ) -> None:
        self.name = name
        self.model = model.to(device).train()
        self.tokenizer = tokenizer
        self.data = data
        self.config = config
        self.device = device
        self.out_path = ckpt.resolve_path(out_path)
        self.meta = meta or RunMeta()
        self.dist = dist_ctx
        self.emit = on_event if dist_ctx.is_main else ignore_events
        self.amp_dtype = autocast_dtype(device, config.precision)
        self.scaler = torch.amp.GradScaler("cuda") if self.amp_dtype == torch.float16 else None
        self.batcher = StreamBatcher(data.train, config.batch_size, config.seq_len)
        self.optimizer = make_optimizer(self.model, config)
        # The module that runs training steps: DDP averages gradients across ranks.
        self.step_model: torch.nn.Module = self.model
        if dist_ctx.enabled:
            ids = [device.index] if device.type == "cuda" else None
            self.step_model = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        self._budget_spent = False
        self.step = 0
        self.chunk_index = 0
        self.train_seconds = 0.0
        self.state: State = self.model.init_state(config.batch_size)
        self.last_eval: EvalResult | None = None
        self.history: list[ValidationPoint] = []
        self.finished: FinishedEvent | None = None
        self.step_time_ema: float | None = None
        self.readout = StepReadout(readback_interval(device))
        self.best = BestWeights()  # judged on the capped periodic validation
        self.train_loss_ema: float | None = None  # smoothed training loss
        self.stopped_early = ""  # why the run ended before its budget (training.loop.early_stop)
        if resume is not None:
            self._resume(resume)
            self._budget_spent = self.progress >= 1.0
            if dist_ctx.enabled:
                # The checkpoint holds rank 0's carried state only: every rank starts afresh.
                self.state = self.model.init_state(config.batch_size)
        # Where shapes are static the whole step is replayed from one CUDA graph (graph_step.py).
        self.graph_step: GraphedStep | None = None
        scaled = self.scaler is not None
        if graph_eligible(
            device=device, distributed=dist_ctx.enabled, loss_scaled=scaled, optimizer=self.optimizer
        ):
            self.graph_step = GraphedStep(
                self.model, self.optimizer, amp_dtype=self.amp_dtype, clip=config.grad_clip
            )
        self._snapshot = Snapshot.take(self.model, self.optimizer, self.step)
        self.saves = 0  # checkpoints written (or tried) by this trainer
        self.save_error: str | None = None  # why the last save failed, while it stays failed
        self.saved_step = self.step if resume is not None else None  # of the checkpoint that stands
        now = time.perf_counter()
        self._last_eval_t = self._last_sample_t = self._last_ckpt_t = now

    def _resume(self, loaded: ckpt.LoadedCheckpoint) -> None:
        resumed = restore_run(
            loaded,
            model=self.model,
            optimizer=self.optimizer,
            device=self.device,
            batch_size=self.config.batch_size,
        )
        at = resumed.progress
        self.step, self.chunk_index, self.train_seconds = at.step, at.chunk_index, at.train_seconds
        self.history = list(resumed.history)
        if resumed.state is not None:
            self.state = resumed.state
        if at.processes != self.dist.world_size:
            note = processes_note(at.processes, self.dist.world_size, self.config.batch_size)
            self.emit(NoteEvent(model=self.name, message=note))

    # ---- budget -------------------------------------------------------------------------
    @property
    def progress(self) -> float:
        return self.config.budget.progress(step=self.step, seconds=self.train_seconds)

    @property
    def done(self) -> bool:
        return self.finished is not None or self._budget_spent

    def _eta(self) -> float:
        return self.config.budget.eta_s(
            step=self.step, seconds=self.train_seconds, seconds_per_step=self.step_time_ema or 0.0
        )

    # ---- one step -----------------------------------------------------------------------
    def train_step(self) -> None:
        cfg = self.config
        started = time.perf_counter()
        x, y, new_epoch = self.batcher.chunk(self.chunk_index)
        if new_epoch and self.chunk_index > 0:
            self.state = self.model.init_state(cfg.batch_size)  # streams restart: old state is stale
        x, y = to_device(x, self.device), to_device(y, self.device)
        lr = set_learning_rate(self.optimizer, cfg, step=self.step, progress=self.progress)
        try:
            loss, grad_norm = self._update(x, y)
        except (torch.OutOfMemoryError, MemoryError, RuntimeError) as err:
            if not is_out_of_memory(err):
                raise
            self.optimizer.zero_grad(set_to_none=True)  # the failed step leaves nothing behind
            raise OutOfMemory(self.name, self.step + 1, cfg.batch_size, cfg.seq_len) from err
        self.model.weights_changed()  # the fused AdamW moves no version counter
        restart_some_streams(self.state, self.step, first_row=self.dist.rank * cfg.batch_size)
        self.step += 1
        self.chunk_index += 1
        self.readout.record(loss, grad_norm)
        due = self.readout.due
        if due:
            self.readout.fetch()  # the one wait for the device, counted in this step's time
        elapsed = time.perf_counter() - started
        self.train_seconds += elapsed
        ema = self.step_time_ema
        self.step_time_ema = elapsed if ema is None else 0.9 * ema + 0.1 * elapsed
        self.readout.describe(
            HostStep(
                model=self.name,
                step=self.step,
                total_steps=cfg.budget.steps,
                lr=lr,
                tokens_per_s=x.numel() * self.dist.world_size / self.step_time_ema,  # all processes
                elapsed_s=self.train_seconds,
                eta_s=self._eta(),
                progress=self.progress,
            )
        )
        if due and not self.flush():
            return
        by_steps = cfg.budget.steps is not None
        self._budget_spent = budget_spent(self.progress >= 1.0, self.dist, self.device, by_steps, due)
        self._periodic()

    def flush(self) -> bool:
        """Read back and report the steps not yet read; False when one diverged (the run is
        then rolled back and finished)."""
        for read in self.readout.read():
            if not read.finite(check_grad=self.scaler is None):
                self._diverged(read.host.step, read.loss, read.grad_norm)
                return False
            ema = self.train_loss_ema
            self.train_loss_ema = read.loss if ema is None else 0.95 * ema + 0.05 * read.loss
            self.emit(read.event(clip=self.config.grad_clip))
        return True

    def _update(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """One optimizer step on (x, y) from the carried state, which moves on: the loss and the
        gradient norm, on the device. The update runs before its loss is read: a non-finite
        step is caught at the next read-back and rolled back to the snapshot, which only ever
        holds read, finite steps."""
        if self.graph_step is not None:
            try:
                loss, grad_norm, self.state = self.graph_step.step(x, y, self.state)
                return loss, grad_norm
            except CaptureRefused as refused:  # said once; eager steps from here on
                self.graph_step = None
                self.emit(NoteEvent(model=self.name, message=str(refused)))
        self.optimizer.zero_grad(set_to_none=True)
        out = self._forward_backward(x, y)
        assert out.loss is not None  # targets were given
        grad_norm = gradient_norm(self.model.parameters(), self.config.grad_clip)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.state = detach_state(out.state)
        return out.loss, grad_norm

    def _forward_backward(self, x: Tensor, y: Tensor) -> ModelOutput:
        with autocast(self.device, self.amp_dtype):
            out = self.step_model(x, self.state, y)
        if self.scaler is not None:
            self.scaler.scale(out.loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            out.loss.backward()
        return out

    def _periodic(self) -> None:
        if not self.dist.is_main:
            return  # other ranks only train; rank 0 evaluates, samples and saves
        now = time.perf_counter()
        cfg = self.config
        every = cfg.first_checkpoint_s if self.saves == 0 else cfg.checkpoint_every_s
        due = (cfg.eval_every_s, cfg.sample_every_s, every)
        since = (now - self._last_eval_t, now - self._last_sample_t, now - self._last_ckpt_t)
        if any(s >= d for s, d in zip(since, due, strict=True)) and not self.flush():
            return  # validation, samples and checkpoints see only read, finite steps
        if now - self._last_eval_t >= cfg.eval_every_s:
            self.validate(max_tokens=cfg.eval_tokens)
            self._last_eval_t = time.perf_counter()
            self._stop_if_memorising()
        if now - self._last_sample_t >= cfg.sample_every_s:
            self.sample()
            self._last_sample_t = time.perf_counter()
        # The first checkpoint comes soon after the first step, so that an early kill keeps a run.
        if now - self._last_ckpt_t >= every:
            self.save()
            self._last_ckpt_t = time.perf_counter()

    def _stop_if_memorising(self) -> None:
        # Only rank 0 validates and every rank must stop together: a distributed run keeps its budget.
        if not self.dist.enabled and should_stop(self.history, best_step=self.best.step, best=self.best.loss):
            self.stopped_early = stopped_early_message(step=self.step, progress=self.progress)
            self._budget_spent = True

    # ---- what runs beside training -----------------------------------------------------
    def validate(self, max_tokens: int | None = None) -> EvalResult:
        eod = self.tokenizer.eod_id
        score = evaluate_tokens if eod is None else partial(evaluate_documents, eod_id=eod)
        result = score(
            self.model,
            self.data.val,
            chars=self.data.val_chars,
            batch_size=16,
            seq_len=self.config.seq_len,
            max_tokens=max_tokens,
            amp_dtype=self.amp_dtype,
        )
        self.last_eval = result
        if max_tokens is not None:
            self.best.offer(self.model, step=self.step, loss=result.loss_nats, train_loss=self.train_loss_ema)
        self.history.append(
            ValidationPoint(self.step, self.train_seconds, result.loss_nats, result.bits_per_char)
        )
        self.emit(
            ValidationEvent(
                model=self.name,
                step=self.step,
                loss_nats=result.loss_nats,
                perplexity=result.perplexity,
                bits_per_char=result.bits_per_char,
            )
        )
        return result

    def sample(self, prompt: str = "") -> str:
        self.model.eval()
        settings = SamplingSettings(max_tokens=self.config.sample_tokens, temperature=0.8, seed=self.step)
        text = "".join(generate(self.model, self.tokenizer, prompt, settings))
        self.model.train()
        self.emit(SampleEvent(model=self.name, step=self.step, text=text))
        return text

    def save(self) -> Path | None:
        """Write a checkpoint; None when the disk (or memory) refused it. Training goes on
        either way, with its state in memory, and the previous checkpoint stays whole."""
        return save_now(self)

    def move_to(self, out_path: Path) -> Path | None:
        """Save from now on into `out_path` (a run folder or file), starting now."""
        self.out_path = ckpt.resolve_path(out_path)
        return self.save()

    # ---- divergence, the end ------------------------------------------------------------
    def _diverged(self, bad_step: int, loss: float, grad_norm: float) -> None:
        roll_back_and_finish(self, bad_step, loss, grad_norm)

    def finish(self, reason: FinishReason = "completed") -> FinishedEvent:
        """Final evaluation and checkpoint; idempotent."""
        return finish_run(self, reason)
