from __future__ import annotations

import pytest

from app.panels.steady_plot import grid_step, steady_bounds

SPANS = [(100.0, 20.0), (7.0, 1.0), (3.0, 0.5), (0.9, 0.1), (1234.0, 200.0)]


@pytest.mark.parametrize(("span", "step"), SPANS)
def test_grid_steps_are_one_two_or_five_times_a_power_of_ten(span: float, step: float) -> None:
    assert grid_step(span) == pytest.approx(step)


def test_bounds_widen_onto_the_grid_and_move_only_when_a_grid_line_is_crossed() -> None:
    assert steady_bounds(1.13, 4.87) == pytest.approx((1.0, 5.0))
    # a new point inside the same grid cell leaves the range where it was
    assert steady_bounds(1.13, 4.95) == pytest.approx(steady_bounds(1.13, 4.87))
    low, high = steady_bounds(1.13, 5.2)
    assert high > 5.0 and low <= 1.13
    assert steady_bounds(2.0, 2.0) == (2.0, 2.0)  # nothing spanned: left alone
