"""Paying torch's one-time costs while the engine loads, before anyone can train.

The first AdamW built in a process imports a large part of torch (about 0.8 s on
a laptop CPU) and much of that holds the GIL. Done lazily on the training
thread, it froze the window for 100–150 ms at the start of every first run;
``app.engine_loader`` does it once, on its background thread, before the training
panel exists, so nobody waits on it twice.
"""

from __future__ import annotations

import torch

_done = False


def warm_up_torch() -> None:
    global _done
    if _done:
        return
    weight = torch.zeros(1, requires_grad=True)
    torch.optim.AdamW([weight], lr=1e-3)
    _done = True
