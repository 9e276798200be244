"""From text files to trained models. No Qt.

A folder imports only folders below it (the contracts in pyproject.toml check it), from the
top of this list to the bottom:

- api/: the Python API that ``lstm_studio`` re-exports: train, load, generate, evaluate, measure
- cli/: the ``lstm-studio`` command line, one module per group of subcommands
- demo/: the embedded demo (its corpus, builder, shipped files) and the one tiny test model
- run.py: the pipeline the CLI and the window both drive: RunSpec → prepared run → trainers
- run_corpus.py: a run's text as tokens through the token cache, split into train and held-out
- resume_check.py: what a resume may change
- run_spec.py: RunSpec, and ``resolve_settings``, the one place a run's settings are decided
- presets/: Quick, Balanced, Quality, and the recipe fitted to this machine
- copies/: spans a model copied verbatim from its corpus
- loop/: one model's training loop, its optimizer, evaluation and saved state
- checkpoints/: files on disk: checkpoints, run metadata, the run lock, run history, ONNX
- data/: files → text → token cache → held-out split → batches
- runtime/: process settings: CPU runtime, thread priority, torchrun
- common/: what every layer shares: the training settings, events, the pause/stop flag
"""
