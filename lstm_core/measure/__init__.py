"""Measurements that explain the models. Each returns plain dataclasses; none of them trains.

- probe.py: long-range recall on the demo's planted facts
- recurrence.py: long-range recall on any text: the loss on words that come back, by distance
- recurrence_cases.py: where in a text a word comes back and a bracket closes, as token positions
- recurrence_losses.py: the loss of every token, read with the state carried, and with no context
- recurrence_curves.py: the loss of recurring cases binned by distance, against first mentions; a verdict
- gradflow.py: how the gradient ‖∂L_t/∂h_{t−k}‖ falls with distance k
- gate_usage.py: how open each LSTM gate is, on average
- gate_trace.py: the gates token by token along a text
- context.py: how much context a model uses on a text
- units.py: single units and small probes that track a property of the text, against an untrained twin
- units_reading.py: every unit's value and every property's at the same positions, read in pieces
- units_probes.py: Pearson r between properties and units, and ridge probes fitted on half a text
- units_report.py: what ranking units reports per property, which figure tracks it, and its table
- text_properties.py: the properties units are matched against (inside strings, brackets, …)
- steering.py: generation with one unit of memory held at a chosen value
- throughput.py: the sequential bottleneck in tokens per second, three ways through one model
- step_time.py: the sequential bottleneck as time per training step against sequence length
- explain.py: every figure the Explain page shows for a pair of models, in one call
"""
