"""Failures a run can meet that a person can act on (a step or the model not fitting in
memory), each with a readable message."""

from __future__ import annotations

_OOM_MARKERS = ("out of memory", "can't allocate memory", "not enough memory")
FLOAT32_BYTES = 4  # the weights' dtype: autocast computes in lower precision, but stores float32


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


class ModelOutOfMemory(OutOfMemory):
    """Building the model (its weights, their copy on the device, the optimizer's state) did
    not fit in memory. Nothing was trained; a checkpoint already there stands."""

    def __init__(
        self, model: str, *, parameters: int, device: str, hidden: int, layers: int, embed: int
    ) -> None:
        weights = _size(parameters * FLOAT32_BYTES)
        fewer_layers = f", fewer layers (--layers {layers - 1})" if layers > 1 else ""
        # Not OutOfMemory's own message, which is about a step: this one names the model.
        ValueError.__init__(
            self,
            f"{model}: out of memory building the model on {device}: {parameters:,} parameters need "
            f"{weights} as float32, and training holds about four times that (gradients and the "
            f"optimizer's two moments). Try a smaller hidden size (--hidden {max(1, hidden // 2)})"
            f"{fewer_layers} or a smaller embedding (--embed {max(1, embed // 2)})",
        )


def _size(n_bytes: int) -> str:
    """1234567 -> "1.2 MB": decimal units, as memory sizes are usually said."""
    size = float(n_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000:
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} TB"
