"""A word vocabulary above the hash table's first size (65,536 slots) still encodes, exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
WORDS = 70_000  # distinct words, each seen twice: all of them make the vocabulary

# In a process of its own, so that a table that never finds a free slot fails on the timeout
# instead of hanging the test run.
_ENCODE_LARGE_VOCABULARY = f"""
import string
from lstm_core.tokenizers import HFTokenizerAdapter, count_words
from training.data.ingest_words import WordIds

def word(i):
    letters = ""
    while True:
        i, digit = divmod(i, 26)
        letters += string.ascii_lowercase[digit]
        if not i:
            return "w" + letters

text = " ".join(word(i) for i in range({WORDS})) + "\\n"
text = text + text
tokenizer = HFTokenizerAdapter.word_from_counts(count_words([text]), vocab_size=100_000)
assert tokenizer.vocab_size > {WORDS}, tokenizer.vocab_size
ids = WordIds(tokenizer).encode(text)
assert ids.tolist() == tokenizer.hf.encode(text).ids
assert tokenizer.unk_id not in set(ids.tolist())
print("ok", tokenizer.vocab_size)
"""


def test_a_vocabulary_of_70_000_words_encodes_exactly_and_ends() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _ENCODE_LARGE_VOCABULARY],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")
