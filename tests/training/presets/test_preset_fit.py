"""CPU presets fitted to the machine: the rule, the calibration's cache, and the run's choice."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from training.common.events import Event, NoteEvent
from training.presets import calibration, preset_fit
from training.presets.preset_rule import (
    CANDIDATES,
    DROPOUT_BY_PASSES,
    LOSS_TABLE,
    REACH,
    STEP_SHARE,
    Recipe,
    choose,
    log_interpolate,
)
from training.run_spec import RunSpec, resolve_settings


def test_every_candidate_has_a_measured_table() -> None:
    assert {r.name for r in CANDIDATES} <= set(LOSS_TABLE)
    assert len({r.name for r in CANDIDATES}) == len(CANDIDATES)


def test_interpolation_is_linear_in_log_tokens_and_flat_beyond_the_ends() -> None:
    table = {1e6: 2.0, 4e6: 1.0}
    assert log_interpolate(table, 2e6) == pytest.approx(1.5)
    assert log_interpolate(table, 5e5) == 2.0 and log_interpolate(table, 1e7) == 1.0


def _rates(tokens_in_90s: dict[str, float]) -> dict[str, float]:
    """Rates by speed key from tokens in 90 s by recipe name."""
    keys = {r.name: r.speed_key for r in CANDIDATES}
    return {keys[name]: 1.0001 * tokens / (90 * STEP_SHARE) for name, tokens in tokens_in_90s.items()}


def test_the_rule_picks_the_lowest_table_loss_at_each_candidates_own_tokens() -> None:
    a, b = CANDIDATES[0].name, CANDIDATES[1].name
    # b learns more per token; a is faster. At these speeds b sees its first table point.
    rates = _rates({a: min(LOSS_TABLE[a]), b: min(LOSS_TABLE[b])})
    choice = choose(rates, 90)
    expected = min((a, b), key=lambda n: min(LOSS_TABLE[n].items())[1])
    assert choice is not None and choice.recipe.name == expected


def test_a_candidate_is_not_judged_outside_its_table() -> None:
    name = CANDIDATES[0].name
    table = LOSS_TABLE[name]
    assert choose(_rates({name: 0.5 * min(table)}), 90) is None  # too slow for any point
    assert choose(_rates({name: 1.01 * REACH * max(table)}), 90) is None  # far past the last
    inside = choose(_rates({name: max(table)}), 90)
    assert inside is not None and inside.predicted_loss == pytest.approx(table[max(table)], abs=1e-3)


def test_calibration_measures_once_then_reads_its_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LSTM_STUDIO_CACHE", str(tmp_path))
    recipes = (
        Recipe(1, 16, 8, 1e-2, batch_size=4, seq_len=8),
        Recipe(1, 32, 8, 1e-2, batch_size=4, seq_len=8),
    )
    cpu = torch.device("cpu")
    measured: list[str] = []
    real = calibration.tokens_per_second
    monkeypatch.setattr(
        calibration,
        "tokens_per_second",
        lambda rs, **kw: measured.extend(r.name for r in rs) or real(rs, **kw),
    )
    # A learning rate or dropout of its own does not change a shape's speed: measured once.
    announced: list[int] = []
    first = calibration.calibrate(
        (*recipes, recipes[0].with_lr(3e-3)),
        vocab_size=30,
        device=cpu,
        precision="fp32",
        before_measuring=announced.append,
    )
    assert len(measured) == 2 and announced == [2]
    assert set(first) == {r.speed_key for r in recipes} and all(rate > 0 for rate in first.values())

    def no_measuring(*args, **kwargs):
        raise AssertionError("measured again")

    monkeypatch.setattr(calibration, "tokens_per_second", no_measuring)
    again = calibration.calibrate(
        recipes, vocab_size=30, device=cpu, precision="fp32", before_measuring=announced.append
    )
    assert again == first and announced == [2]  # nothing to time, nothing said
    with pytest.raises(AssertionError, match="measured again"):  # another precision is another key
        calibration.calibrate(recipes, vocab_size=30, device=cpu, precision="bf16")


def test_calibration_times_the_candidates_in_turns(monkeypatch) -> None:
    """A slow moment of the machine must slow every candidate alike, not the one being timed."""
    order: list[int] = []
    step_seconds = {4 * 8: 0.01, 8 * 8: 0.02}  # by tokens per step
    monkeypatch.setattr(
        calibration._StepTimer, "seconds", lambda self: order.append(self.tokens) or step_seconds[self.tokens]
    )
    recipes = (
        Recipe(1, 16, 8, 1e-2, batch_size=4, seq_len=8),
        Recipe(1, 16, 8, 1e-2, batch_size=8, seq_len=8),
    )
    cpu = torch.device("cpu")
    rates = calibration.tokens_per_second(recipes, vocab_size=30, device=cpu, precision="fp32")
    assert order == [32, 64] * (1 + calibration.MAX_ROUNDS)  # a first step each, then rounds
    assert rates == {recipes[0].speed_key: 32 / 0.01, recipes[1].speed_key: 64 / 0.02}


def _fresh(monkeypatch, rates: dict[str, float], corpus_tokens: int = 50_000_000, **options):
    monkeypatch.setattr(preset_fit, "calibrate", lambda recipes, **kwargs: rates)
    train = {"minutes": 1.5, "device": "cpu", **options.pop("train", {})}
    spec = RunSpec(paths=(), out_dir=Path("unused"), model_options=options, train_options=train)
    events: list[Event] = []
    model, config = resolve_settings(
        spec,
        vocab_size=65,
        corpus_tokens=corpus_tokens,
        resumed=None,
        distributed=False,
        on_event=events.append,
    )
    return model, config, events


@pytest.mark.parametrize(
    ("corpus_tokens", "dropout", "eval_every_s"),
    [(50_000_000, 0.0, 15.0), (300_000, 0.25, 5.0), (30_000, 0.5, 5.0)],
)
def test_a_small_corpus_is_regularised_for_the_passes_the_budget_means(
    monkeypatch, corpus_tokens: int, dropout: float, eval_every_s: float
) -> None:
    target = CANDIDATES[1]
    tokens = max(LOSS_TABLE[target.name])  # the budget's tokens: several million
    model, train, events = _fresh(monkeypatch, _rates({target.name: tokens}), corpus_tokens=corpus_tokens)
    passes = tokens / corpus_tokens
    assert [at for at, _ in DROPOUT_BY_PASSES] == sorted(at for at, _ in DROPOUT_BY_PASSES)
    assert model.dropout == dropout and train.eval_every_s == eval_every_s
    note = next(e.message for e in events if isinstance(e, NoteEvent))
    assert f"{passes:.0f} passes over this text" in note
    assert (f"dropout {dropout:g}" in note) == (dropout > 0)


def test_a_cpu_run_trains_the_fitted_recipe_and_says_so(monkeypatch) -> None:
    target = CANDIDATES[1]
    model, train, events = _fresh(monkeypatch, _rates({target.name: min(LOSS_TABLE[target.name])}))
    assert (model.layers, model.hidden, model.embed) == (target.layers, target.hidden, target.embed)
    assert (train.lr, train.optimizer, train.batch_size) == (target.lr, target.optimizer, target.batch_size)
    assert train.budget.minutes == 1.5
    notes = [e for e in events if isinstance(e, NoteEvent)]
    assert len(notes) == 1 and f"{target.layers}×{target.hidden} LSTM" in notes[0].message


def test_a_persons_own_shape_or_recipe_keeps_the_preset(monkeypatch) -> None:
    rates = _rates({c.name: min(LOSS_TABLE[c.name]) for c in CANDIDATES})
    for options in ({"hidden": 96}, {"train": {"lr": 1e-3}}, {"train": {"optimizer": "adamw"}}):
        model, _train, events = _fresh(monkeypatch, rates, **options)
        assert not events, options
    assert model.hidden == 512  # the Quick preset's own


def test_with_no_candidate_in_reach_the_preset_stands(monkeypatch) -> None:
    model, train, events = _fresh(monkeypatch, {})
    assert not events and model.hidden == 512 and train.optimizer == "adamw"
