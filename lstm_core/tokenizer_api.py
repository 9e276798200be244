"""What every tokenizer offers, below both the tokenizers (``lstm_core/tokenizers.py``) and
the end-of-document wrapper around them (``lstm_core/doc_tokens.py``), so that neither
needs the other to name it."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


class Tokenizer(Protocol):
    level: str
    unk_id: int | None  # the id of <unk>, or None where nothing can be unknown
    eod_id: int | None  # the end-of-document id (lstm_core/doc_tokens.py), or None for a stream

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def token_bytes(self, token_id: int) -> bytes: ...

    def to_dict(self) -> dict[str, Any]: ...


@runtime_checkable
class BatchEncoder(Protocol):
    """A tokenizer that encodes many texts in one call faster than one at a time."""

    def encode_batch(self, texts: list[str]) -> list[list[int]]: ...
