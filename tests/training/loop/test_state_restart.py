"""Streams' carried states are restarted in turns, so a model learns to start from zero."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.training.loop.random_trainer import random_token_trainer
from training.demo.tiny import tiny_model
from training.loop.streams import RESTART_EVERY_CHUNKS, restart_some_streams


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_each_stream_restarts_once_in_every_turn(cell: str) -> None:
    every, batch = 4, 10
    state = tiny_model(20, cell=cell).init_state(batch)
    restarted = {row: 0 for row in range(batch)}
    for step in range(every):
        for part in state if isinstance(state, tuple) else (state,):
            part.fill_(1.0)
        restart_some_streams(state, step, every=every)
        parts = state if isinstance(state, tuple) else (state,)
        zero_rows = {row for row in range(batch) if all(bool((p[:, row] == 0).all()) for p in parts)}
        kept_rows = {row for row in range(batch) if all(bool((p[:, row] == 1).all()) for p in parts)}
        assert zero_rows | kept_rows == set(range(batch))  # a row is restarted whole or not at all
        assert zero_rows == {row for row in range(batch) if row % every == step % every}
        for row in zero_rows:
            restarted[row] += 1
    assert set(restarted.values()) == {1}


def test_a_training_step_leaves_its_turn_of_streams_at_zero(tmp_path: Path) -> None:
    trainer = random_token_trainer(tmp_path, batch_size=40)
    trainer.train_step()
    trainer.train_step()
    h, c = trainer.state
    row_is_zero = [bool((h[:, row] == 0).all() and (c[:, row] == 0).all()) for row in range(40)]
    # The second step (index 1) restarted rows 1, 1 + every, …; every other row carries on.
    assert [row for row, zero in enumerate(row_is_zero) if zero] == list(range(1, 40, RESTART_EVERY_CHUNKS))


def test_streams_split_over_processes_restart_as_in_one_process() -> None:
    whole = torch.ones(1, 12, 3)
    halves = [torch.ones(1, 6, 3), torch.ones(1, 6, 3)]  # rank r holds global rows 6r … 6r + 5
    for step in range(9):
        whole.fill_(1.0)
        restart_some_streams(whole, step, every=4)
        for rank, half in enumerate(halves):
            half.fill_(1.0)
            restart_some_streams(half, step, first_row=6 * rank, every=4)
        assert torch.equal(torch.cat(halves, dim=1), whole)
