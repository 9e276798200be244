"""Failures a training step can meet that a person can act on, each with a readable message."""

from __future__ import annotations

_OOM_MARKERS = ("out of memory", "can't allocate memory", "not enough memory")


def is_out_of_memory(err: BaseException) -> bool:
    """torch raises OutOfMemoryError on CUDA, but a plain RuntimeError from the CPU allocator."""
    if isinstance(err, MemoryError):
        return True
    text = str(err).lower()
    return any(marker in text for marker in _OOM_MARKERS)


class OutOfMemory(ValueError):
    """A step did not fit in memory. Nothing from it was kept; the last checkpoint stands."""

    def __init__(self, model: str, step: int, batch_size: int, seq_len: int) -> None:
        smaller_batch = max(1, batch_size // 2)
        smaller_seq = max(8, seq_len // 2)
        super().__init__(
            f"{model}: out of memory at step {step} (batch {batch_size} × sequence {seq_len}); "
            f"nothing from that step was kept. Try a smaller batch (--batch {smaller_batch}) "
            f"or sequence length (--seq-len {smaller_seq}), or a smaller model"
        )
