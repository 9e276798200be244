"""The state each stream carries from one chunk to the next: cut from the graph after a step,
and zeroed for a few streams at a time so that the model also learns to start from zero."""

from __future__ import annotations

from lstm_core.model import State

# Each stream's carried state is zeroed once every this many chunks, a different share of the
# streams at each step. Generation starts from a zero state; a model that only ever continued
# a carried one (a run shorter than a pass over its text saw the zero state once, at its
# first step) could not start there, and wrote noise after a short prompt.
RESTART_EVERY_CHUNKS = 32


def detach_state(state: State) -> State:
    """The carried state, cut from the graph of the chunk that produced it."""
    if isinstance(state, tuple):
        h, c = state
        return h.detach(), c.detach()
    return state.detach()


def restart_some_streams(
    state: State, step: int, first_row: int = 0, every: int = RESTART_EVERY_CHUNKS
) -> None:
    """Zero, in place, the carried state of the streams whose turn it is at ``step``: global
    stream ``first_row + row`` restarts at the steps ``≡ first_row + row (mod every)``, so a
    run split over processes restarts the same streams as one process."""
    rows = slice((step - first_row) % every, None, every)
    for part in state if isinstance(state, tuple) else (state,):
        part[:, rows] = 0
