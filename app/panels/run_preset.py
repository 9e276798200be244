"""The Runs tab's Preset column: the preset a run was started from, and whether its settings
were edited away from it.

The note the window leaves beside a run names its preset only, so a run trained with the
Advanced options read "quick" like one that kept Quick's recipe. Here the run's stored model
and training settings are compared with what the preset gives, through the presets' public
API, on the fields the Advanced form sets. Two things make a preset's own run differ from
its fixed numbers without anyone editing them, and are allowed for: on a GPU the preset
trains its GPU shapes, and a character-level run with a budget in minutes on a CPU may train
what ``preset_fit`` fitted to the machine (the fields that rule decides are not compared).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from training.checkpoints.checkpoint import CheckpointError, read_metadata
from training.checkpoints.run_history import RunRecord
from training.checkpoints.run_meta import RunMeta
from training.presets.preset_fit import RULE_MODEL_OPTIONS, RULE_TRAIN_OPTIONS
from training.presets.presets import get_preset

MODEL_FIELDS = ("layers", "hidden", "embed", "dropout")  # what Advanced sets of the model
TRAIN_FIELDS = ("seq_len", "batch_size", "lr", "grad_clip", "budget")  # and of the training
DEVICE_TYPES = ("cpu", "cuda")  # a preset's numbers differ by where it trains
EDITED = "edited"


@dataclass(frozen=True)
class PresetCell:
    text: str  # "quick", "quick, edited", or "–" for a run not started from the window
    tooltip: str


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)
    return a == b


def _shown(value: object) -> str:
    describe = getattr(value, "describe", None)
    return describe() if callable(describe) else f"{value:g}" if isinstance(value, float) else str(value)


def differences(preset_name: str, meta: RunMeta) -> list[str]:
    """The compared settings in which the run differs from the preset, as "hidden 128 (preset 512)";
    empty when it matches the preset on at least one of the devices the preset knows."""
    if meta.model is None or meta.training is None:
        return []  # shipped weights carry no recipe: nothing to compare
    preset = get_preset(preset_name)
    model, train = meta.model, meta.training
    fitted = meta.level == "char" and train.budget.minutes is not None  # preset_fit may have applied
    closest: list[str] | None = None
    model_fields = [n for n in MODEL_FIELDS if not (fitted and n in RULE_MODEL_OPTIONS)]
    train_fields = [n for n in TRAIN_FIELDS if not (fitted and n in RULE_TRAIN_OPTIONS)]
    for device in DEVICE_TYPES:
        want_model = preset.model_fields(meta.level, train.budget, device)
        want_train = preset.train_config({}, device)
        found = [
            f"{name} {_shown(getattr(model, name))} (preset {_shown(want_model[name])})"
            for name in model_fields
            if not _same(getattr(model, name), want_model[name])
        ]
        found += [
            f"{name} {_shown(getattr(train, name))} (preset {_shown(getattr(want_train, name))})"
            for name in train_fields
            if not _same(getattr(train, name), getattr(want_train, name))
        ]
        if closest is None or len(found) < len(closest):
            closest = found
    return closest or []


def preset_cell(run: RunRecord) -> PresetCell:
    """What the Preset column shows for ``run``, reading its checkpoint's header."""
    if not run.preset:
        return PresetCell("–", "Not started from the window: no preset recorded")
    try:
        edits = differences(run.preset, read_metadata(run.folder))
    except (CheckpointError, OSError, ValueError):
        return PresetCell(run.preset, f"Started from the {run.preset} preset")
    if not edits:
        return PresetCell(run.preset, f"Started from the {run.preset} preset, as it is")
    lines = "\n".join(edits)
    return PresetCell(
        f"{run.preset}, {EDITED}", f"Started from the {run.preset} preset, with other settings:\n{lines}"
    )
