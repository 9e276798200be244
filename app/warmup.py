"""Paying torch's one-time costs before anyone trains.

The first AdamW built in a process imports a large part of torch (torch._dynamo: 1.3–1.9 s
on a 2-core CPU) and much of that holds the GIL. Done lazily on the training thread, it
froze the window for 100–150 ms at the start of every first run; done while the engine
loaded, it made the engine ready 1.5 s later. ``app.engine_loader.warm_up_after_ready``
does it once, on a thread of its own, as soon as the window is ready.
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
