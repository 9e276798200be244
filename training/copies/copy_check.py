"""Is the model copying its training text? The longest copied spans of a generated text.

The index (``copy_index.py``) is built once per corpus and tokenizer and kept in the
per-user cache folder (``token_cache.cache_root()``) under ``copy-index/``, shared by every
run on that corpus (and never written into a shipped model's folder); it is rebuilt when
the corpus files or
the tokenizer change. Reports are in characters: "longest copied span: 143 characters
(from hamlet.txt, line 1204)", and the share of the text's characters that lie inside
copied spans of at least ``min_chars`` characters. A model that has learnt a style
copies short phrases; one that has memorised its text copies whole lines.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizers import Tokenizer, word_pieces
from training.checkpoints.run_meta import RunMeta
from training.copies.copy_index import CopyIndex
from training.data.corpus import CorpusError
from training.data.corpus_messages import file_names
from training.data.documents import DocumentMode
from training.data.ingest import ingest_corpus
from training.data.text_stream import scan_file
from training.data.token_cache import cache_root

MIN_CHARS = 50  # a copied span this long is more than a common phrase
# Tokens hashed per index entry: about a dozen characters at every level.
NGRAM = {"char": 12, "word": 4, "bpe": 6}
INDEX_DIR = "copy-index"


@dataclass(frozen=True)
class CopiedSpan:
    start: int  # character offsets in the checked text, end exclusive
    end: int
    source: str  # "hamlet.txt, line 1204", or "" where the place could not be named

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class CopyReport:
    chars: int  # characters checked
    min_chars: int
    spans: tuple[CopiedSpan, ...]  # copied spans of at least min_chars, longest first
    longest: CopiedSpan | None  # the longest copied span of any length
    certain_chars: int = 0  # copies at least this long are always found (see CopyChecker)

    @property
    def copied_share(self) -> float:
        """The share of characters inside copied spans of at least min_chars characters."""
        covered = np.zeros(self.chars, dtype=bool)
        for span in self.spans:
            covered[span.start : span.end] = True
        return float(covered.mean()) if self.chars else 0.0

    def describe(self) -> str:
        return describe_copies(self.longest, self.copied_share, self.min_chars, self.certain_chars)

    def to_dict(self) -> dict[str, object]:
        longest = self.longest
        return {
            "longest_chars": longest.length if longest else 0,
            "longest_source": longest.source if longest else "",
            "copied_share": round(self.copied_share, 4),
            "min_chars": self.min_chars,
            "certain_chars": self.certain_chars,
            "spans": [[s.start, s.end, s.source] for s in self.spans],
        }


def describe_copies(
    longest: CopiedSpan | None, copied_share: float, min_chars: int, certain_chars: int = 0
) -> str:
    """ "longest copied span: 143 characters (from hamlet.txt, line 1204); 2.1% of characters
    in copied spans of ≥ 50 characters", and, for a corpus whose index is sparser than
    ``min_chars`` needs, the length below which a copy may be missed."""
    if longest is None:
        head = "longest copied span: none"
    else:
        where = f" (from {longest.source})" if longest.source else ""
        head = f"longest copied span: {longest.length} characters{where}"
    line = f"{head}; {copied_share:.1%} of characters in copied spans of ≥ {min_chars} characters"
    if certain_chars > min_chars:
        line += f" (in a corpus this large, only copies of {certain_chars}+ characters are always found)"
    return line


def corpus_tokens(meta: RunMeta, tokenizer: Tokenizer) -> np.ndarray:
    """The run's corpus as the model saw it: one stream, or documents with their end tokens."""
    files = _present_files(meta)
    mode = DocumentMode.parse(meta.corpus.documents)
    documents = None if mode.is_stream or not isinstance(tokenizer, DocumentTokenizer) else mode
    # Through the token cache: a memory-mapped file, whatever the corpus's size.
    corpus = ingest_corpus(files, tokenizer=tokenizer, min_chars=1, mode=documents)
    if meta.corpus.fingerprint and corpus.fingerprint != meta.corpus.fingerprint:
        raise CorpusError(
            f"the copy check needs the text the model was trained on, and {file_names(files)} "
            f"{'has' if len(files) == 1 else 'have'} changed since: it would look for copies of other text"
        )
    return corpus.tokens


def _present_files(meta: RunMeta) -> list[str]:
    """The run's corpus files, all of them there, or a CorpusError naming those that are not."""
    missing = [f for f in meta.corpus.files if not Path(f).is_file()]
    if missing or not meta.corpus.files:
        gone = file_names(missing) if missing else "its files"
        verb = "is" if len(missing) == 1 else "are"
        raise CorpusError(
            f"the copy check needs the text the model was trained on, and {gone} {verb} no longer there"
        )
    return list(meta.corpus.files)


def _fingerprint(meta: RunMeta, tokenizer: Tokenizer) -> str:
    digest = hashlib.sha256(json.dumps(tokenizer.to_dict(), sort_keys=True).encode())
    digest.update(meta.corpus.documents.encode())
    for name in meta.corpus.files:
        stat = Path(name).stat()
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def index_folder(fingerprint: str) -> Path:
    return cache_root() / INDEX_DIR / fingerprint[:32]


def load_or_build_index(meta: RunMeta, tokenizer: Tokenizer) -> CopyIndex:
    """The run's copy index: read from the cache, or built from the corpus and saved there.
    Only the hashes and positions are saved: the tokens are the token cache's own file."""
    ngram = NGRAM.get(tokenizer.level, 8)
    fingerprint = _fingerprint(meta, tokenizer)
    folder = index_folder(fingerprint)
    info_path = folder / "index.json"
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
        if info.get("fingerprint") == fingerprint and info.get("ngram") == ngram:
            return CopyIndex(
                corpus_tokens(meta, tokenizer),
                np.load(folder / "hashes.npy", mmap_mode="r"),
                np.load(folder / "positions.npy", mmap_mode="r"),
                ngram,
                int(info["stride"]),
            )
    except (OSError, ValueError, KeyError):
        pass  # missing or damaged: build it again
    index = CopyIndex.build(corpus_tokens(meta, tokenizer), ngram=ngram)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("hashes", "positions"):
            np.save(folder / f"{name}.npy", np.asarray(getattr(index, name)))
        info = {"fingerprint": fingerprint, "ngram": ngram, "stride": index.stride}
        info_path.write_text(json.dumps(info), encoding="utf-8")
    except OSError:
        pass  # a read-only cache: the index still serves this check
    return index


def token_offsets(tokenizer: Tokenizer, text: str, ids: list[int]) -> np.ndarray:
    """The character offset of each token boundary in text: len(ids) + 1 of them.

    <unk> decodes to one replacement character whatever it stood for, so characters and
    words are counted from the text itself; byte-level BPE has no <unk> and its tokens'
    bytes are exact.
    """
    if tokenizer.level == "char":
        return np.arange(len(ids) + 1)
    pieces = word_pieces(text) if tokenizer.level == "word" else []
    if len(pieces) == len(ids):
        return np.cumsum([0] + [len(p) for p in pieces])
    byte_ends = np.cumsum([0] + [len(tokenizer.token_bytes(i)) for i in ids])
    # The character each byte belongs to, and one past the end for the final boundary.
    char_of_byte = np.repeat(np.arange(len(text)), [len(ch.encode("utf-8", "surrogatepass")) for ch in text])
    char_of_byte = np.append(char_of_byte, len(text))
    return char_of_byte[np.minimum(byte_ends, len(char_of_byte) - 1)]


class CopyChecker:
    """Checks texts against one corpus; names the file and line of each copied span."""

    def __init__(
        self, index: CopyIndex, tokenizer: Tokenizer, files: tuple[str, ...], chars_per_token: float = 1.0
    ) -> None:
        self.index = index
        self.tokenizer = tokenizer
        self.files = files
        # The index finds every copy of ``guaranteed_tokens`` or more; in characters, about:
        self.certain_chars = math.ceil(index.guaranteed_tokens * chars_per_token)
        self._sources: dict[str, str] = {}  # span -> where it was found
        self._codecs: dict[str, str] = {}  # each file's codec, "" when unreadable

    def check(self, text: str, *, min_chars: int = MIN_CHARS) -> CopyReport:
        ids = self.tokenizer.encode(text)
        offsets = token_offsets(self.tokenizer, text, ids)
        spans = []
        for m in self.index.matches(np.asarray(ids)):
            start, end = int(offsets[m.query_start]), int(offsets[m.query_end])
            spans.append((end - start, start, end))
        spans.sort(reverse=True)
        longest = (
            CopiedSpan(spans[0][1], spans[0][2], self.source(text[spans[0][1] : spans[0][2]]))
            if spans
            else None
        )
        kept = tuple(CopiedSpan(s, e, self.source(text[s:e])) for n, s, e in spans if n >= min_chars)
        return CopyReport(len(text), min_chars, kept, longest, self.certain_chars)

    def source(self, span: str) -> str:
        """ "file, line N" where the span first occurs in the corpus files, or ""."""
        if span not in self._sources:
            self._sources[span] = self._locate(span)
        return self._sources[span]

    def _locate(self, span: str) -> str:
        for name in self.files:
            if name not in self._codecs:
                try:
                    self._codecs[name] = scan_file(Path(name)).codec
                except CorpusError:
                    self._codecs[name] = ""
            if self._codecs[name]:
                line = find_line(Path(name), self._codecs[name], span)
                if line is not None:
                    return f"{Path(name).name}, line {line}"
        return ""


def find_line(path: Path, codec: str, span: str, chunk_bytes: int = 1 << 22) -> int | None:
    """The line on which ``span`` first starts in the file, read in chunks (memory bounded
    on any corpus), line ends normalised as the corpus reader does; None if absent."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    tail, lines_before, held_cr = "", 0, ""
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(chunk_bytes)
            text = held_cr + decoder.decode(chunk, final=not chunk)
            held_cr = "\r" if chunk and text.endswith("\r") else ""
            text = text[: len(text) - len(held_cr)].replace("\r\n", "\n").replace("\r", "\n")
            window = tail + text
            found = window.find(span)
            if found >= 0:
                return lines_before + window.count("\n", 0, found) + 1
            if not chunk:
                return None
            cut = max(0, len(window) - len(span) + 1)  # a span across chunks starts in the tail
            lines_before += window.count("\n", 0, cut)
            tail = window[cut:]


def copy_checker(meta: RunMeta, tokenizer: Tokenizer) -> CopyChecker:
    """The checker of the run's own corpus; a CorpusError when it is gone or changed."""
    _present_files(meta)  # named before the index's fingerprint looks at them
    corpus = meta.corpus
    chars_per_token = corpus.chars / corpus.tokens if corpus.chars and corpus.tokens else 1.0
    return CopyChecker(load_or_build_index(meta, tokenizer), tokenizer, corpus.files, chars_per_token)
