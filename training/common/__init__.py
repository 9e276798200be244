"""What every folder of ``training`` shares; imports nothing else of it.

- config.py: TrainConfig (how to train, stored in every checkpoint) and Budget
- events.py: what a run reports, as frozen dataclasses
- control.py: pause, resume, cancel and "save elsewhere", checked by the trainer once a step
"""
