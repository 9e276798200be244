"""A checkpoint written from and read back into plain values, with no Trainer in between."""

from __future__ import annotations

from pathlib import Path

import torch

from lstm_core.tokenizers import CharTokenizer
from training.checkpoints.checkpoint import load_checkpoint
from training.checkpoints.run_meta import Progress, RunMeta
from training.common.config import TrainConfig
from training.demo.tiny import TINY_TRAIN, tiny_model
from training.loop.optimizer import make_optimizer
from training.loop.trainer_state import checkpoint_meta, restore_run, save_run


def test_a_saved_run_comes_back_whole_into_fresh_parts(tmp_path: Path) -> None:
    config = TrainConfig.from_dict(TINY_TRAIN)
    model = tiny_model(20)
    optimizer = make_optimizer(model, config)
    model(torch.randint(0, 20, (4, 16)), None, torch.randint(0, 20, (4, 16))).loss.backward()
    optimizer.step()
    state = model.init_state(config.batch_size)
    state[0].fill_(0.5)
    meta = checkpoint_meta(
        RunMeta(),
        name="lstm",
        config=config,
        progress=Progress(3, 7, 1.5, done=False),
        last_eval=None,
        history=(),
        seconds_per_step=0.01,
    )
    torch.manual_seed(123)
    tokenizer = CharTokenizer(list("abcdefghijklmnopqrs"))
    path = save_run(
        tmp_path / "m",
        model=model,
        tokenizer=tokenizer,
        optimizer=optimizer,
        meta=meta,
        state=state,
        device=torch.device("cpu"),
    )
    expected_draw = torch.rand(3)

    fresh = tiny_model(20, seed=1)
    fresh_optimizer = make_optimizer(fresh, config)
    resumed = restore_run(
        load_checkpoint(path),
        model=fresh,
        optimizer=fresh_optimizer,
        device=torch.device("cpu"),
        batch_size=4,
    )
    assert torch.equal(torch.rand(3), expected_draw)  # the RNG stands where it stood at the save
    restored = fresh.state_dict()
    assert all(torch.equal(weights, restored[name]) for name, weights in model.state_dict().items())
    assert (resumed.progress.step, resumed.progress.chunk_index) == (3, 7)
    assert resumed.state is not None and torch.equal(resumed.state[0], state[0])

    other_layout = restore_run(
        load_checkpoint(path),
        model=fresh,
        optimizer=fresh_optimizer,
        device=torch.device("cpu"),
        batch_size=5,
    )
    assert other_layout.state is None  # another batch layout: the carried state starts afresh
