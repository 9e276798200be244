from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

# Tests share a 2-core machine; one thread keeps them from fighting each other.
torch.set_num_threads(1)

WORDS = [
    "the",
    "cat",
    "sat",
    "on",
    "the",
    "mat",
    "and",
    "the",
    "dog",
    "ran",
    "to",
    "the",
    "park",
    "while",
    "birds",
    "sang",
    "over",
    "the",
    "hills",
    "of",
    "green",
    "and",
    "the",
    "river",
    "went",
    "slowly",
    "down",
    "to",
    "the",
    "sea",
]


def make_text(n_words: int = 4000, seed: int = 0) -> str:
    rng = random.Random(seed)
    lines, line = [], []
    for _ in range(n_words):
        line.append(rng.choice(WORDS))
        if len(line) >= 12:
            lines.append(" ".join(line) + ".")
            line = []
    return "\n".join(lines) + "\n"


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(make_text(), encoding="utf-8")
    return path


@pytest.fixture(autouse=True, scope="session")
def token_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The token cache of every test (and of the processes they start) lives in a temporary
    folder, never in the person's own cache."""
    folder = tmp_path_factory.mktemp("token-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("LSTM_STUDIO_CACHE", str(folder))
    yield folder
    patch.undo()
