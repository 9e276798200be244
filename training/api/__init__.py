"""The Python API: train, load, generate, evaluate and measure from a script or a notebook,
through the engine functions the CLI calls. The ``lstm_studio`` package re-exports it.

- train.py: ``train``: files → a run folder, events out through a callback, a stop flag in
- model.py: ``load`` and ``Model``: one text, a stream or many samples, and ``evaluate``
- sampling.py: the generation options a call may give, checked and turned into SamplingSettings
- insight.py: the measurements: ``context``, ``units``, ``probe`` and ``gradflow``
"""
