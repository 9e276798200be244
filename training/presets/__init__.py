"""Named starting points, and the recipe a CPU preset trains on this machine.

- presets.py: Quick, Balanced and Quality, checked against the configs when defined
- preset_rule.py: the candidates and their measured held-out loss by training tokens
- calibration.py: how many tokens per second each candidate trains at here (cached)
- preset_fit.py: the rule applied to this machine and budget, when it applies
"""
