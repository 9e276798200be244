"""Int8 weights for the generation step: a quarter of the bytes to read per token.

At batch 1 a recurrent step multiplies every weight by one vector, so its time is the
time to read the weights. Stored as int8 (one scale per output row) and multiplied by
the quantized engine's integer kernels, the read is 4× smaller than float32, which is
what generation costs on CPUs without fast bfloat16.

The inputs of every such product are hidden states, which lie in [-1, 1] (tanh and a
sigmoid times a tanh). The dynamic kernels choose the input's scale from its minimum
and maximum, so each input carries two extra columns holding -1 and 1 (their weights are
zero): the scale is then the same for every row and every step, a row's result does not
depend on the other rows in the batch, and many samples at once write exactly what
single runs write.
"""

from __future__ import annotations

import warnings

import torch
from torch import Tensor

# 7-bit inputs: on CPUs without VNNI the kernels add pairs of 8-bit products in 16 bits,
# which full-range inputs can overflow; the lost bit costs less than a wrong sum.
_REDUCE_RANGE = True


def int8_available() -> bool:
    return "x86" in torch.backends.quantized.supported_engines or (
        "fbgemm" in torch.backends.quantized.supported_engines
    )


def range_columns(rows: int) -> Tensor:
    """The (rows, 2) block of -1 and 1 that pins every input's quantization range."""
    return torch.tensor([[-1.0, 1.0]]).expand(rows, 2)


class Int8Linear:
    """y = x · Wᵀ + b for inputs in [-1, 1] that end in ``range_columns``; W (out, in) float."""

    def __init__(self, weight: Tensor, bias: Tensor | None) -> None:
        weight = weight.detach().float()
        padded = torch.cat([weight, weight.new_zeros(weight.shape[0], 2)], dim=1)
        scale = padded.abs().amax(dim=1).clamp_min(1e-12) / 127
        zero = torch.zeros(padded.shape[0], dtype=torch.long)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # quantized tensor constructors announce a deprecation
            quantized = torch.quantize_per_channel(padded, scale.double(), zero, 0, torch.qint8)
            bias_f = None if bias is None else bias.detach().float().contiguous()
            self.packed = torch.ops.quantized.linear_prepack(quantized, bias_f)
        # The overload's C++ entry point: calling it skips the op packet's lookup and the
        # overload's Python check of every argument for traced stand-ins (which only
        # torch.export makes), 4-8 µs a call that a batch-1 step would pay at every layer.
        overload = torch.ops.quantized.linear_dynamic.default
        self._linear = getattr(overload, "_op", overload)
        self.nbytes = quantized.numel() + scale.numel() * 4 + (0 if bias is None else bias.numel() * 4)

    def __call__(self, x_with_range: Tensor) -> Tensor:
        return self._linear(x_with_range, self.packed, _REDUCE_RANGE)
