"""The end-of-document token: one more id after a tokenizer's own vocabulary.

A corpus of documents (one per file, per line, or cut at a separator) is stored
as ``doc <eod> doc <eod> ...``. The id is appended rather than trained into the
tokenizer, so it is the same thing at every level (char, word, BPE) and no text
in the corpus, not even a literal "<eod>", can ever encode to it. It decodes as a
line break, which is what a reader sees between two documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lstm_core.tokenizer_api import BatchEncoder, Tokenizer

EOD_BYTES = b"\n"
EOD_KEY = "end_of_document"  # the flag in the serialised tokenizer


class DocumentTokenizer:
    """Wraps a char, word or BPE tokenizer; ``eod_id`` is its last id."""

    def __init__(self, base: Tokenizer) -> None:
        self.base = base
        self.level = base.level
        self.unk_id = base.unk_id
        self.eod_id: int | None = base.vocab_size

    @property
    def vocab_size(self) -> int:
        return self.base.vocab_size + 1

    def encode(self, text: str) -> list[int]:
        return self.base.encode(text)

    def encode_documents(self, documents: Sequence[str]) -> list[int]:
        """Each document's ids followed by the end-of-document id."""
        eod = self.base.vocab_size
        ids: list[int] = []
        for doc_ids in self._encode_many(documents):
            ids.extend(doc_ids)
            ids.append(eod)
        return ids

    def _encode_many(self, documents: Sequence[str]) -> Iterable[list[int]]:
        if isinstance(self.base, BatchEncoder):
            # One Rust call per few thousand documents instead of one per document.
            for start in range(0, len(documents), 4096):
                yield from self.base.encode_batch(list(documents[start : start + 4096]))
        else:
            for doc in documents:
                yield self.base.encode(doc)

    def token_bytes(self, token_id: int) -> bytes:
        return EOD_BYTES if token_id == self.eod_id else self.base.token_bytes(token_id)

    def to_dict(self) -> dict[str, Any]:
        return {**self.base.to_dict(), EOD_KEY: True}


def end_of_document(tokenizer: Tokenizer) -> int | None:
    """The end-of-document id, or None for a tokenizer trained on a plain stream."""
    return tokenizer.eod_id
