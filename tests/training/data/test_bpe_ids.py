"""Byte-level BPE ids with each distinct piece encoded once: exactly what Hugging Face gives,
file ends included (test_bpe_encode_once.py: what the tokenizer is still asked to encode)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer as HFTokenizer

from lstm_core.tokenizers import HFTokenizerAdapter, train_tokenizer
from tests.conftest import make_text
from training.data import token_encode
from training.data.bpe_ids import BpeIds, plain_byte_level
from training.data.text_stream import StreamReport, scan_file, stream_text
from training.data.token_encode import encode_pieces

# Every edge of GPT-2's rule: contractions (and their capitals, which it does not take),
# quotes before letters, digits and underscores, runs of spaces before words, punctuation and
# line ends, the rest of ASCII white space, the separator \x1c (space to Python's \s, not to the
# tokenizer's), NUL, a trailing space, and text past ASCII beside ASCII.
_PARTS = ["the", " cat", "  sat", "   ", ".", " (", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S"]
_PARTS += ["''", " '", "\n", "\n\n", "\n\n  ", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x00", "x_y", "42"]
_PARTS += [" 7", "__init__", "a" * 30, " !!", "é", " 日本", "naïve", " 😀", "é ", "ü\n"]


def _random_text(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(_PARTS) for _ in range(count))


@pytest.fixture(scope="module")
def tokenizer() -> HFTokenizerAdapter:
    tok = train_tokenizer("bpe", _random_text(random.Random(1), 30_000) + make_text(5000), vocab_size=400)
    assert isinstance(tok, HFTokenizerAdapter) and plain_byte_level(tok)
    return tok


def test_ids_equal_the_tokenizers_own(tokenizer: HFTokenizerAdapter) -> None:
    rng = random.Random(7)
    ids = BpeIds(tokenizer)
    for _ in range(500):
        text = _random_text(rng, rng.randint(1, 60))
        if rng.random() < 0.5:  # plain ASCII: no stretch goes to the tokenizer whole
            text = text.encode("ascii", "ignore").decode()
        assert ids.encode(text).tolist() == tokenizer.hf.encode(text).ids, repr(text)
    assert ids.encode("").tolist() == []


def test_forgetting_the_pieces_met_keeps_the_ids(
    tokenizer: HFTokenizerAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("training.data.bpe_ids.MAX_PIECES", 20)
    ids = BpeIds(tokenizer)
    rng = random.Random(3)
    for _ in range(50):
        text = _random_text(rng, 200)
        assert ids.encode(text).tolist() == tokenizer.hf.encode(text).ids


def _files(folder: Path) -> list[Path]:
    """A mixed corpus in several files, some ending in spaces or blank lines, some past ASCII."""
    rng = random.Random(11)
    folder.mkdir()
    paths = []
    for i in range(6):
        text = make_text(3000 + 500 * i) + _random_text(rng, 4000).replace("\x00", "")  # NUL: binary
        text += ["", "  ", "\n\n", " é", "'s", "\t"][i]
        path = folder / f"f{i}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _stream(paths: list[Path]) -> tuple[list[str], list[int]]:
    starts: list[int] = []
    scanned = [(scan_file(p), True) for p in paths]
    pieces = list(stream_text(scanned, StreamReport([], []), chunk_bytes=10_000, file_starts=starts))
    return pieces, starts


def _encode(
    tokenizer: HFTokenizerAdapter, pieces: list[str], starts: list[int]
) -> tuple[np.ndarray, list[int]]:
    ends: list[int] = []
    arrays = list(encode_pieces(tokenizer, iter(pieces), file_starts=starts, file_ends=ends))
    return np.concatenate(arrays), ends


def test_a_stream_of_files_gets_the_ids_and_file_ends_it_had(
    tokenizer: HFTokenizerAdapter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pieces, starts = _stream(_files(tmp_path / "corpus"))
    ids, ends = _encode(tokenizer, pieces, starts)
    assert ids.tolist() == tokenizer.hf.encode("".join(pieces)).ids
    monkeypatch.setattr(token_encode, "plain_byte_level", lambda tok: False)  # the way it was done
    before_ids, before_ends = _encode(tokenizer, pieces, starts)
    assert ids.tolist() == before_ids.tolist()
    assert ends == before_ends and len(ends) == 5


def test_a_tokenizer_with_special_tokens_keeps_the_tokenizers_own_way(tokenizer: HFTokenizerAdapter) -> None:
    special = HFTokenizerAdapter("bpe", HFTokenizer.from_str(tokenizer.hf.to_str()))
    special.hf.add_special_tokens(["<sep>"])  # matched whole in the text: not a regex piece
    assert not plain_byte_level(special)
    text = "the cat<sep> sat'll <sep>\n\n  x"
    ids = np.concatenate(list(encode_pieces(special, iter([text]))))
    assert ids.tolist() == special.hf.encode(text).ids
