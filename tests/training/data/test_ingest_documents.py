"""Documents through the token cache: the documents, tokenizer, ids and held-out split of
reading the text whole, and a corpus too small to split refused by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizers import decode, train_tokenizer
from training.checkpoints.run_meta import CorpusInfo
from training.data.batching import to_token_array
from training.data.corpus import CorpusError, load_corpus
from training.data.documents import DocumentMode, split_documents
from training.data.holdout import DataSplit
from training.data.ingest import ingest_corpus
from training.run_corpus import RunCorpus, unseen_documents

from .test_ingest import _folder

MODES = ["files", "lines", "separator:cat", "separator:\\n\\n"]


# Reading the text whole, the way the streamed documents must match.
def _document_tokenizer(level: str, documents: list[str]) -> DocumentTokenizer:
    """A tokenizer of the given level trained on the documents, with the end-of-document id."""
    joiner = "" if level == "char" else "\n"  # as ingest_documents.training_pieces joins them
    return DocumentTokenizer(train_tokenizer(level, joiner.join(documents)))


def _document_split(tokenizer: DocumentTokenizer, documents: list[str], val_fraction: float) -> DataSplit:
    """Whole documents held out: the last val_fraction of them (at least one)."""
    held = min(len(documents) - 1, max(1, round(len(documents) * val_fraction)))
    train_docs, val_docs = documents[: len(documents) - held], documents[len(documents) - held :]
    vocab = tokenizer.vocab_size
    train = to_token_array(tokenizer.encode_documents(train_docs), vocab)
    val_ids = tokenizer.encode_documents(val_docs)
    val = to_token_array(val_ids, vocab)
    return DataSplit(train, val, max(1, len(decode(tokenizer, val_ids))))


def _whole(folder: Path, level: str, mode: DocumentMode) -> tuple[list[str], DocumentTokenizer]:
    documents = split_documents(load_corpus([folder]), mode)
    return documents, _document_tokenizer(level, documents)


@pytest.mark.parametrize("mode_text", MODES)
@pytest.mark.parametrize("level", ["char", "word", "bpe"])
def test_documents_through_the_cache_equal_reading_the_text_whole(
    tmp_path: Path, level: str, mode_text: str
) -> None:
    folder = _folder(tmp_path)
    mode = DocumentMode.parse(mode_text)
    documents, whole_tokenizer = _whole(folder, level, mode)
    # BPE learns its merges from a differently cut sample: compare ids with the same tokenizer.
    given = whole_tokenizer if level == "bpe" else None
    streamed = ingest_corpus(
        [folder], level=level, mode=mode, tokenizer=given, cache_dir=tmp_path / "cache", chunk_bytes=7
    )
    tokenizer = streamed.tokenizer
    assert isinstance(tokenizer, DocumentTokenizer)
    assert tokenizer.to_dict() == whole_tokenizer.to_dict()
    unique = list(dict.fromkeys(documents))  # a repeated document is kept once, where it first appears
    assert streamed.documents == len(unique)
    assert streamed.tokens.tolist() == whole_tokenizer.encode_documents(unique)

    info = CorpusInfo(files=(), chars=streamed.chars, tokens=len(streamed.tokens))
    split = RunCorpus(tokenizer, info, streamed.reused, streamed.tokens, streamed.documents).split(0.2)
    whole = _document_split(whole_tokenizer, unique, 0.2)
    expected = unseen_documents(whole_tokenizer, whole.train, whole.val, whole_tokenizer.vocab_size - 1)
    assert np.array_equal(split.train, expected.train) and np.array_equal(split.val, expected.val)
    assert split.val_chars == expected.val_chars


def test_modes_have_their_own_cache_entries_and_the_second_run_reuses_its_own(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    cache = tmp_path / "cache"
    lines = ingest_corpus([folder], level="char", mode=DocumentMode.parse("lines"), cache_dir=cache)
    files = ingest_corpus([folder], level="char", mode=DocumentMode.parse("files"), cache_dir=cache)
    stream = ingest_corpus([folder], level="char", cache_dir=cache)
    assert not lines.reused and not files.reused and not stream.reused
    assert lines.documents != files.documents and stream.documents is None
    again = ingest_corpus([folder], level="char", mode=DocumentMode.parse("lines"), cache_dir=cache)
    assert again.reused and np.array_equal(again.tokens, lines.tokens)


def test_a_corpus_of_one_document_is_refused_by_name(tmp_path: Path) -> None:
    one = tmp_path / "one.txt"
    one.write_text("a single line of text, long enough to learn something from\n" * 30, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"one\.txt: splitting by separator:zebra gives 1 document"):
        ingest_corpus([one], mode=DocumentMode.parse("separator:zebra"), cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("tokens-*"))


def test_the_documents_held_out_are_capped_like_the_streams_but_never_none() -> None:
    from training.data.ingest_documents import document_holdout

    eod = 9
    sizes = [5, 3, 7, 4, 6, 2, 8, 5, 3, 6]  # tokens before each document's end id
    tokens = np.concatenate([np.concatenate([np.ones(n, dtype=np.int64), [eod]]) for n in sizes])
    total = len(tokens)
    # 30 % of 10 documents: the last three (5+1, 3+1, 6+1 = 17 tokens), uncapped.
    assert document_holdout(tokens, eod, 10, 0.3, cap=10**6) == total - 17
    # A cap of 12 tokens keeps the last two (11 tokens): whole documents only.
    assert document_holdout(tokens, eod, 10, 0.3, cap=12) == total - 11
    # A cap smaller than the last document still holds that one out.
    assert document_holdout(tokens, eod, 10, 0.3, cap=2) == total - 7
