"""A tiny LSTM and its RNN trained a few steps on a corpus of their own: models that are not
the built-in demo, whose held-out text (the corpus's last tenth) is on this computer and long
enough for the recall measurement (1,084 tokens).

The corpus is made-up words drawn from a small vocabulary: each word comes back every few
hundred words, so the held-out text has both first mentions (no occurrence in the 1,024
tokens before) and recurrences at every distance, as real text does.
"""

from __future__ import annotations

import random
from pathlib import Path

from app.model_store import LoadedModel, load
from training.demo.tiny import train_tiny_models

WORDS = 150  # about 1,000 characters between two occurrences of a word: around the window
CHARS = 60_000  # a held-out tenth of 6,000 char tokens


def write_own_corpus(path: Path, *, seed: int = 0) -> Path:
    rng = random.Random(seed)
    syllables = ["ka", "to", "mi", "ren", "sol", "vu", "na", "pel", "dri", "os", "lan", "que"]
    vocabulary = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 3))) for _ in range(3 * WORDS)})
    vocabulary = vocabulary[:WORDS]
    lines, size = [], 0
    while size < CHARS:
        sentence = " ".join(rng.choices(vocabulary, k=rng.randint(6, 12)))
        lines.append(sentence.capitalize() + ".")
        size += len(lines[-1]) + 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def train_own_pair(root: Path) -> tuple[LoadedModel, LoadedModel]:
    corpus = write_own_corpus(root / "notes.txt")
    lstm, rnn = train_tiny_models(corpus, root / "run", steps=5)
    return load(lstm), load(rnn)
