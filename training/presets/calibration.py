"""How many tokens per second each preset candidate trains at on this machine.

A few timed training steps per candidate, taken in turns (forward, backward, clipping, the
update: what the trainer does), on random tokens of the run's vocabulary size, in the
precision the run will use. Measured once and kept in the per-user cache, keyed by everything that changes
the answer: the processor, the device, the precision, the thread count, torch's version
and the vocabulary size (rounded up to a power of two; the output layer's cost follows it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from lstm_core.config import ModelConfig
from lstm_core.hardware import autocast, autocast_dtype, cpu_model
from lstm_core.model import LanguageModel
from training.common.config import TrainConfig
from training.data.token_cache import cache_root, write_json
from training.loop.optimizer import gradient_norm, make_optimizer
from training.loop.streams import detach_state
from training.presets.preset_rule import Recipe

# Timed steps per candidate, after a first step that pays for first-call set-up: at least
# MIN_ROUNDS, and up to MAX_ROUNDS while the timing stays within SECONDS_PER_CANDIDATE each.
MIN_ROUNDS, MAX_ROUNDS = 3, 5
# A candidate whose first step takes longer than this is timed by that step alone: it is
# slow enough that a first step's set-up barely shows, and too slow for the budgets that
# would choose it. Keeps the whole calibration to a few seconds.
SLOW_STEP_S = 0.4
SECONDS_PER_CANDIDATE = 1.0
VERSION = 4  # bump when the measurement or the step it times changes, so old figures are not reused


def machine_key(device: torch.device, precision: str, vocab_size: int) -> str:
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_model()
    vocab = 1 << max(0, vocab_size - 1).bit_length()
    threads = torch.get_num_threads()
    return f"v{VERSION}|{where}|{device.type}|{precision}|{threads}t|torch {torch.__version__}|vocab {vocab}"


def _cache_file() -> Path:
    return cache_root() / "calibration.json"


def _read_cache() -> dict[str, dict[str, float]]:
    try:
        data = json.loads(_cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(data: dict[str, dict[str, float]]) -> None:
    path = _cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, data)
    except OSError:
        pass  # an unwritable cache only means measuring again next time


class _StepTimer:
    """One candidate's training step on random tokens, ready to be timed."""

    def __init__(self, recipe: Recipe, *, vocab_size: int, device: torch.device, precision: str) -> None:
        config = ModelConfig(vocab_size=vocab_size, **recipe.model_options())
        torch.manual_seed(0)
        self.model = LanguageModel(config).to(device).train()
        self.train = TrainConfig.from_dict({**recipe.train_options(), "precision": precision})
        self.optimizer = make_optimizer(self.model, self.train)
        self.amp = autocast_dtype(device, precision)
        self.device = device
        shape = (recipe.batch_size, recipe.seq_len)
        self.tokens = recipe.batch_size * recipe.seq_len
        self.x = torch.randint(vocab_size, shape, device=device)
        self.y = torch.randint(vocab_size, shape, device=device)
        self.state = self.model.init_state(recipe.batch_size)

    def seconds(self) -> float:
        """One step, as the trainer makes it; its wall-clock seconds."""
        started = time.perf_counter()
        self.optimizer.zero_grad(set_to_none=True)
        with autocast(self.device, self.amp):
            out = self.model(self.x, self.state, self.y)
        assert out.loss is not None
        out.loss.backward()
        gradient_norm(self.model.parameters(), self.train.grad_clip)
        self.optimizer.step()
        self.state = detach_state(out.state)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return time.perf_counter() - started


def tokens_per_second(
    recipes: Sequence[Recipe], *, vocab_size: int, device: torch.device, precision: str
) -> dict[str, float]:
    """Training tokens per second of each recipe here (by ``speed_key``), measured now.

    The candidates' steps are timed in turns, one step each per round, so that a slow moment
    of a shared machine slows them all alike instead of whichever was being timed: the rule
    compares their rates, and a few percent decide between neighbours."""
    timers = {
        r.speed_key: _StepTimer(r, vocab_size=vocab_size, device=device, precision=precision) for r in recipes
    }
    rates: dict[str, float] = {}
    for key, timer in timers.items():
        first = timer.seconds()
        if first > SLOW_STEP_S:
            rates[key] = timer.tokens / first
    timed: dict[str, list[float]] = {key: [] for key in timers if key not in rates}
    spent = 0.0
    for round_ in range(MAX_ROUNDS):
        if round_ >= MIN_ROUNDS and spent > SECONDS_PER_CANDIDATE * len(timed):
            break
        for key, times in timed.items():
            times.append(timers[key].seconds())
            spent += times[-1]
    for key, times in timed.items():
        rates[key] = timers[key].tokens / sorted(times)[len(times) // 2]
    return rates


def calibrate(
    recipes: Sequence[Recipe],
    *,
    vocab_size: int,
    device: torch.device,
    precision: str,
    before_measuring: Callable[[int], None] = lambda count: None,
) -> dict[str, float]:
    """Tokens per second for each recipe (by ``speed_key``), from the cache or measured now."""
    key = machine_key(device, precision, vocab_size)
    cache = _read_cache()
    known = dict(cache.get(key, {}))
    missing = list({r.speed_key: r for r in recipes if r.speed_key not in known}.values())
    if missing:
        before_measuring(len(missing))
        known.update(tokens_per_second(missing, vocab_size=vocab_size, device=device, precision=precision))
        cache[key] = known
        _write_cache(cache)
    return {r.speed_key: known[r.speed_key] for r in recipes}
