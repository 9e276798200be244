"""The chunked scan gives what the Hillis–Steele scan it replaced gave, values and gradients."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from lstm_core.mingru import chunk_size, linear_scan, scan


def _compose(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    step = 1
    while step < a.shape[1]:
        b = torch.cat([b[:, :step], torch.addcmul(b[:, step:], a[:, step:], b[:, :-step])], dim=1)
        a = torch.cat([a[:, :step], a[:, step:] * a[:, :-step]], dim=1)
        step *= 2
    return a, b


def hillis_steele(a: Tensor, b: Tensor, h0: Tensor, chunk: int = 64) -> Tensor:
    """The implementation before the chunked scan, verbatim but for names: the reference."""
    n, steps, width = a.shape
    if steps <= chunk:
        big_a, big_b = _compose(a, b)
        return torch.addcmul(big_b, big_a, h0.unsqueeze(1))
    pieces = -(-steps // chunk)
    pad = pieces * chunk - steps
    a = F.pad(a, (0, 0, 0, pad), value=1.0).reshape(n * pieces, chunk, width)
    b = F.pad(b, (0, 0, 0, pad)).reshape(n * pieces, chunk, width)
    big_a, big_b = (t.reshape(n, pieces, chunk, width) for t in _compose(a, b))
    ends = hillis_steele(big_a[:, :, -1], big_b[:, :, -1], h0, chunk)
    starts = torch.cat([h0.unsqueeze(1), ends[:, :-1]], dim=1)
    h = torch.addcmul(big_b, big_a, starts.unsqueeze(2))
    return h.reshape(n, pieces * chunk, width)[:, :steps]


def _inputs(steps: int, dtype: torch.dtype) -> tuple[Tensor, Tensor, Tensor]:
    generator = torch.Generator().manual_seed(steps)
    projected = torch.randn(3, steps, 2 * 24, generator=generator, dtype=dtype)
    z = torch.sigmoid(projected[..., :24])
    b = z * torch.where(
        projected[..., 24:] >= 0, projected[..., 24:] + 0.5, torch.sigmoid(projected[..., 24:])
    )
    h0 = torch.rand(3, 24, generator=generator, dtype=dtype)
    return (1 - z).requires_grad_(), b.requires_grad_(), h0.requires_grad_()


@pytest.mark.parametrize("steps", [1, 2, 5, 64, 65, 300, 2048, 2049])
def test_values_and_gradients_equal_the_previous_scan(steps: int) -> None:
    a, b, h0 = _inputs(steps, torch.float32)
    weights = torch.randn(3, steps, 24, generator=torch.Generator().manual_seed(1))
    new, old = linear_scan(a, b, h0), hillis_steele(a, b, h0)
    assert (new - old).abs().max().item() <= 1e-5
    grads_new = torch.autograd.grad((new * weights).sum(), (a, b, h0))
    grads_old = torch.autograd.grad((old * weights).sum(), (a, b, h0))
    for g_new, g_old in zip(grads_new, grads_old, strict=True):
        assert (g_new - g_old).abs().max().item() <= 1e-4 * max(1.0, g_old.abs().max().item())


def test_the_gradient_is_exact_in_float64() -> None:
    assert chunk_size(10) == 2  # five chunks of two: both loops and the carry between chunks run
    a, b, h0 = _inputs(10, torch.float64)
    a, b, h0 = (t.detach()[:2, ..., :3].clone().requires_grad_() for t in (a, b, h0))
    assert torch.autograd.gradcheck(linear_scan, (a, b, h0))


def test_chunks_are_near_the_root_of_a_third_and_divide_when_they_can() -> None:
    assert [chunk_size(t) for t in (1, 64, 512, 2048)] == [1, 4, 16, 32]
    assert 2049 % chunk_size(2049) != 0  # 2049 = 3 × 683: no divisor near √683, so it is padded


def test_scan_of_a_model_layer_trains_without_grad_to_h0() -> None:
    projected = torch.randn(2, 40, 16, requires_grad=True)
    h = scan(projected, torch.zeros(2, 8))
    h.sum().backward()
    assert projected.grad is not None and torch.isfinite(projected.grad).all()
