"""From text files to trained models: corpus, batching, trainer, checkpoints, CLI. No Qt."""
