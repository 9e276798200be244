"""A corpus as a set of documents: one per file, one per line, or cut at a separator.

Each document is followed by the end-of-document token (``lstm_core/doc_tokens.py``)
and the documents are laid end to end, so the stateful batching of
``training/data/batching.py`` is unchanged:

    row 0: d o g <eod> c a t <eod> o w l <eod> ...      state carried across <eod>
    row 1: f o x <eod> h e n <eod> ...

The state is marked, not reset, at a document start. The <eod> token is an input like
any other, so the model learns that what follows it owes nothing to what came before;
resetting instead would mean zeroing rows in the middle of a chunk, one time step at a
time, which rules out the fused (cuDNN / oneDNN) kernel that runs a whole chunk in one
call. Generation starts from a fresh state after an <eod> and stops at the next one; the
held-out documents are scored the same way, each from its own start (``document_eval.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lstm_core.options import OptionError
from training.data import corpus_messages as say
from training.data.corpus import Corpus, CorpusError, read_text_file

STREAM = "stream"
DOCUMENT_CHOICES: tuple[str, ...] = (STREAM, "files", "lines", "separator:TEXT")
_ESCAPES = {"\\n": "\n", "\\t": "\t"}


@dataclass(frozen=True)
class DocumentMode:
    kind: Literal["stream", "files", "lines", "separator"] = "stream"
    separator: str = ""  # for kind "separator", with \n and \t already unescaped

    @classmethod
    def parse(cls, text: str) -> DocumentMode:
        """ "stream", "files", "lines" or "separator:TEXT" (\\n and \\t in TEXT are a line break
        and a tab); anything else is an OptionError that names the choices."""
        if text in (STREAM, "files", "lines"):
            return cls(text)  # type: ignore[arg-type]  # checked on this line
        if text.startswith("separator:"):
            separator = text[len("separator:") :]
            for escape, char in _ESCAPES.items():
                separator = separator.replace(escape, char)
            if not separator:
                raise OptionError(
                    "documents: the separator is empty; write separator:TEXT, e.g. separator:---"
                )
            return cls("separator", separator)
        raise OptionError(f"documents must be one of {', '.join(DOCUMENT_CHOICES)}, not {text!r}")

    @property
    def is_stream(self) -> bool:
        return self.kind == STREAM

    def describe(self) -> str:
        """The text ``parse`` reads back."""
        if self.kind != "separator":
            return self.kind
        separator = self.separator
        for escape, char in _ESCAPES.items():
            separator = separator.replace(char, escape)
        return f"separator:{separator}"


def split_documents(corpus: Corpus, mode: DocumentMode, *, minimum: int = 2) -> list[str]:
    """The corpus's documents, without empty ones and without their surrounding line breaks.
    Training needs two (one to learn from, one to validate on); scoring one."""
    if mode.kind == "files":
        # The corpus joins its files; each is read again to keep its own boundaries.
        pieces = [read_text_file(f.path)[0] for f in corpus.files]
    elif mode.kind == "lines":
        pieces = corpus.text.split("\n")
    elif mode.kind == "separator":
        pieces = corpus.text.split(mode.separator)
    else:
        return [corpus.text]
    documents = [p.strip("\n") for p in pieces if p.strip()]
    if len(documents) < minimum:
        raise CorpusError(say.too_few_documents(corpus.describe(), mode.describe(), len(documents), minimum))
    return documents
