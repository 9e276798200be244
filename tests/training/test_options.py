"""Options a person gives are checked key by key; stored configs load leniently."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_core.config import ModelConfig
from lstm_core.options import OptionError
from training.common.config import Budget, TrainConfig
from training.presets.presets import PRESETS, Preset
from training.run_spec import RunSpec


def test_a_misspelt_training_key_is_named_with_the_closest_option() -> None:
    with pytest.raises(OptionError, match=r"unknown training option 'batch' \(did you mean 'batch_size'\?\)"):
        TrainConfig.from_dict({"batch": 4})


def test_a_misspelt_model_key_is_named() -> None:
    with pytest.raises(OptionError, match="unknown model option 'hiden'"):
        ModelConfig.from_dict({"vocab_size": 10, "hiden": 64})


def test_a_misspelt_key_in_a_run_spec_fails_before_any_work() -> None:
    with pytest.raises(OptionError, match="'seq_length'"):
        RunSpec(paths=("x",), out_dir=Path("m"), train_options={"seq_length": 64})
    with pytest.raises(OptionError, match="'layer'"):
        RunSpec(paths=("x",), out_dir=Path("m"), model_options={"layer": 2})
    with pytest.raises(ValueError, match="unknown preset 'fast'"):
        RunSpec(paths=("x",), out_dir=Path("m"), preset="fast")


def test_a_preset_with_a_misspelt_key_fails_when_it_is_defined() -> None:
    with pytest.raises(OptionError, match="preset Broken training option 'batch'"):
        Preset("Broken", "never loads", train={"batch": 4, "minutes": 1.0})
    with pytest.raises(OptionError, match="preset Broken model option 'hiden'"):
        Preset("Broken", "never loads", model={"hiden": 4})


def test_every_shipped_preset_names_only_real_options() -> None:
    for preset in PRESETS.values():
        assert set(preset.model) <= set(ModelConfig.option_names())
        assert set(preset.train) <= set(TrainConfig.option_names())
        assert preset.train_config({}).budget.minutes is not None


def test_stored_configs_drop_keys_an_older_version_wrote() -> None:
    stored = {"seq_len": 32, "steps": 10, "minutes": None, "retired_option": 1}
    config = TrainConfig.from_stored(stored)
    assert config.seq_len == 32 and config.budget == Budget(steps=10)
    assert ModelConfig.from_stored({"vocab_size": 5, "retired": True}).vocab_size == 5


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"steps": 0}, "steps must be positive"),
        ({"minutes": -1.0}, "minutes must be a positive number"),
        ({"minutes": float("nan")}, "minutes must be a positive number"),
        ({"lr": float("nan")}, r"lr \(the learning rate\) must be a positive number"),
        ({"batch_size": 0}, "batch_size must be positive"),
        ({"grad_clip": 0.0}, r"grad_clip \(the clipping threshold\) must be positive"),
        ({"precision": "fp8"}, "unknown precision 'fp8'"),
    ],
)
def test_nonsense_values_are_refused_with_their_name(options: dict, needle: str) -> None:
    with pytest.raises(OptionError, match=needle):
        TrainConfig.from_dict(options)


def test_one_budget_unit_replaces_the_other() -> None:
    quick = PRESETS["quick"].train_config({})
    assert quick.budget == Budget(minutes=1.5)
    by_steps = quick.with_options({"steps": 500})
    assert by_steps.budget == Budget(steps=500)
    assert by_steps.budget.progress(step=250, seconds=1e6) == 0.5
    assert by_steps.with_options({"minutes": 2}).budget == Budget(minutes=2.0)
    with pytest.raises(OptionError, match="one budget"):
        Budget()
    with pytest.raises(OptionError, match="one budget"):
        Budget(steps=1, minutes=1.0)


def test_model_fields_come_from_the_dataclass_where_the_preset_is_silent() -> None:
    fields = Preset("Bare", "nothing set").model_fields("word")
    assert fields["hidden"] == ModelConfig(vocab_size=2).hidden
    assert fields["embed"] == 256  # words get the wider embedding
    assert set(fields) == set(ModelConfig.option_names())
