"""How many tokens per second each preset candidate trains at on this machine.

A few timed training steps per candidate (forward, backward, clipping, the update: what the
trainer does), on random tokens of the run's vocabulary size, in the precision the run
will use. Measured once and kept in the per-user cache, keyed by everything that changes
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
from training.config import TrainConfig
from training.optimizer import gradient_norm, make_optimizer
from training.preset_rule import Recipe
from training.token_cache import cache_root, write_json
from training.trainer_state import detach_state

TIMED_STEPS = 3  # after a first step, which pays for first-call set-up
# A candidate whose first step takes longer than this is timed by that step alone: it is
# slow enough that a first step's set-up barely shows, and too slow for the budgets that
# would choose it. Keeps the whole calibration to a few seconds.
SLOW_STEP_S = 0.4
SECONDS_PER_CANDIDATE = 1.0
VERSION = 3  # bump when the measurement or the step it times changes, so old figures are not reused


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


def tokens_per_second(recipe: Recipe, *, vocab_size: int, device: torch.device, precision: str) -> float:
    """Training tokens per second of ``recipe`` here, measured now."""
    config = ModelConfig(vocab_size=vocab_size, **recipe.model_options())
    torch.manual_seed(0)
    model = LanguageModel(config).to(device).train()
    train = TrainConfig.from_dict({**recipe.train_options(), "precision": precision})
    optimizer = make_optimizer(model, train)
    amp = autocast_dtype(device, precision)
    shape = (recipe.batch_size, recipe.seq_len)
    x = torch.randint(vocab_size, shape, device=device)
    y = torch.randint(vocab_size, shape, device=device)
    state = model.init_state(recipe.batch_size)

    def step() -> None:
        nonlocal state
        optimizer.zero_grad(set_to_none=True)
        with autocast(device, amp):
            out = model(x, state, y)
        assert out.loss is not None
        out.loss.backward()
        gradient_norm(model.parameters(), train.grad_clip)
        optimizer.step()
        state = detach_state(out.state)
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    started = time.perf_counter()
    step()
    first = time.perf_counter() - started
    if first > SLOW_STEP_S:
        return recipe.batch_size * recipe.seq_len / first
    times: list[float] = []
    spent = 0.0
    while len(times) < TIMED_STEPS and spent < SECONDS_PER_CANDIDATE:
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
        spent += times[-1]
    return recipe.batch_size * recipe.seq_len / sorted(times)[len(times) // 2]


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
        for recipe in missing:
            known[recipe.speed_key] = tokens_per_second(
                recipe, vocab_size=vocab_size, device=device, precision=precision
            )
        cache[key] = known
        _write_cache(cache)
    return {r.speed_key: known[r.speed_key] for r in recipes}
