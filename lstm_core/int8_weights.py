"""Int8 weights for the generation step: a quarter of the bytes to read per token.

At batch 1 a recurrent step multiplies every weight by one vector, so its time is the
time to read the weights. Stored as int8 (one scale per output row) and multiplied by
the quantized engine's integer kernels, the read is 4× smaller than float32, which is
what generation costs on CPUs without fast bfloat16.

The inputs of every such product are hidden states, which lie in [-1, 1] (tanh and a
sigmoid times a tanh). So every input is quantized on one fixed grid over [-1, 1], never
on one chosen from the values at hand: a row's result does not depend on the other rows
in the batch or on the step, and many samples at once write exactly what single runs
write. The grid is the one the dynamic kernels would choose for inputs spanning [-1, 1];
they are not used because they find it from each input's minimum and maximum, which two
extra columns of -1 and 1 had to pin: 514 columns where the kernels work in blocks of 512
cost a second pass (32 rows × 4,096 outputs on a 2-core Zen 3: 991 µs against 843).
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable

import torch
from torch import Tensor

# 7-bit input codes: on CPUs without VNNI the kernels add pairs of 8-bit products in 16 bits,
# which full-range codes can overflow. [-1, 1] maps onto codes 0..128 (1 rounds up to 128),
# and 2 · 128 · 127 = 32,512 stays below 32,767.
INPUT_SCALE = 2 / 127
INPUT_ZERO_POINT = 64  # the code of 0.0

# Switches off __torch_function__ overrides of tensor subclasses for a call (``Int8Linear``
# says why); a torch without it makes its calls as they are.
_NO_SUBCLASS_OVERRIDES: Callable[[], contextlib.AbstractContextManager[object]] = getattr(
    torch._C, "DisableTorchFunctionSubclass", contextlib.nullcontext
)


def _fixed_grid_linear() -> Callable[..., Tensor]:
    """The engine's fixed-grid product, as its overload's C++ entry point: calling that skips
    the op packet's lookup and the overload's Python check of every argument for traced
    stand-ins (which only torch.export makes), 4-8 µs a call that a batch-1 step would pay at
    every layer. Looked up when first needed: a torch without it still imports this module."""
    overload = torch.ops.quantized.linear_with_input_q_dq_qweight_dq_output_fp32.default
    return getattr(overload, "_op", overload)


def _pack(weight: Tensor, bias: Tensor | None) -> tuple[object, int]:
    """The quantized engine's packed (out, in) weight, one scale per row, and its bytes."""
    weight = weight.detach().float()
    scale = weight.abs().amax(dim=1).clamp_min(1e-12) / 127
    zero = torch.zeros(weight.shape[0], dtype=torch.long)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quantized tensor constructors announce a deprecation
        quantized = torch.quantize_per_channel(weight, scale.double(), zero, 0, torch.qint8)
        bias_f = None if bias is None else bias.detach().float().contiguous()
        packed = torch.ops.quantized.linear_prepack(quantized, bias_f)
    nbytes = quantized.numel() + scale.numel() * 4 + (0 if bias is None else bias.numel() * 4)
    return packed, nbytes


@functools.cache
def int8_available() -> bool:
    """Whether this torch's quantized engine runs the fixed-grid product (x86 CPUs with
    AVX2; the engines of other CPUs lack it)."""
    engines = torch.backends.quantized.supported_engines
    if "x86" not in engines and "fbgemm" not in engines:
        return False
    try:
        packed, _ = _pack(torch.ones(1, 1), None)
        _fixed_grid_linear()(torch.ones(1, 1), INPUT_SCALE, INPUT_ZERO_POINT, packed)
    except (AttributeError, RuntimeError):  # no such op in this torch, or not on this engine
        return False
    return True


class Int8Linear:
    """y = x · Wᵀ + b for inputs in [-1, 1]; W (out, in) float."""

    def __init__(self, weight: Tensor, bias: Tensor | None) -> None:
        self.packed, self.nbytes = _pack(weight, bias)
        self._linear = _fixed_grid_linear()

    def __call__(self, x: Tensor) -> Tensor:
        # Before a call, torch asks each non-tensor argument for ``__torch_function__``; the
        # packed weight answers by raising and catching a C++ exception, 14 µs a call on a
        # 2-core Zen 3 (a 2,113 × 512 product at batch 1: 49 µs, 34 without the question).
        # No argument here is a tensor subclass, so the question is skipped for this call.
        with _NO_SUBCLASS_OVERRIDES():
            return self._linear(x, INPUT_SCALE, INPUT_ZERO_POINT, self.packed)
