"""LSTM Studio from Python: train a model on your own text, load it, generate, evaluate and
measure it. The names below are the whole of the stable API; docs/api.md describes them.

    import lstm_studio as ls
    run = ls.train(["my.txt"], out="runs/x", preset="quick", minutes=1)
    print(ls.load("runs/x").generate("Once", length=100, seed=1))

The work is done by ``training.api`` (this package only names it): the engine functions the
``lstm-studio`` command line calls, so a run trained here opens in the window and the CLI.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from lstm_core.batch_sampling import Sample
from lstm_core.measure.context import ContextCurve
from lstm_core.measure.probe import ProbeResult
from lstm_core.measure.units import UnitsReport
from lstm_core.sampling import SamplingSettings
from training.api.insight import context, gradflow, probe, units
from training.api.model import Model, load
from training.api.sampling import Sampling
from training.api.train import TrainedRun, train
from training.common.control import TrainingControl
from training.common.events import (
    CheckpointEvent,
    Event,
    FinishedEvent,
    IngestEvent,
    NoteEvent,
    SampleEvent,
    SaveFailedEvent,
    StepEvent,
    ValidationEvent,
    WarningEvent,
)
from training.demo.assets import demo_dir
from training.loop.evaluate import EvalResult
from training.presets.presets import DEFAULT_PRESET, PRESET_NAMES

try:
    __version__ = version("lstm-studio")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_PRESET",
    "PRESET_NAMES",
    "CheckpointEvent",
    "ContextCurve",
    "EvalResult",
    "Event",
    "FinishedEvent",
    "IngestEvent",
    "Model",
    "NoteEvent",
    "ProbeResult",
    "Sample",
    "SampleEvent",
    "Sampling",
    "SamplingSettings",
    "SaveFailedEvent",
    "StepEvent",
    "TrainedRun",
    "TrainingControl",
    "UnitsReport",
    "ValidationEvent",
    "WarningEvent",
    "__version__",
    "context",
    "demo_dir",
    "gradflow",
    "load",
    "probe",
    "train",
    "units",
]
