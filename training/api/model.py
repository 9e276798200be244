"""``load`` a trained model, then generate from it and score it: what ``lstm-studio generate``
and ``lstm-studio evaluate`` do, as calls that return text and figures instead of printing."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from lstm_core.batch_sampling import Sample, generate_samples
from lstm_core.config import ModelConfig
from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.model import LanguageModel
from lstm_core.sampling import generate
from lstm_core.tokenizers import Tokenizer
from training.api.sampling import Sampling, sampling_settings
from training.checkpoints.checkpoint import load_model, model_file
from training.checkpoints.run_meta import RunMeta
from training.common.events import EventCallback, ignore_events
from training.loop.evaluate import EvalResult

if TYPE_CHECKING:
    from typing_extensions import Unpack

Paths = str | Path | Sequence[str | Path]
# (tokens scored so far, tokens to score): heard after each chunk
Progress = Callable[[int, int], None]


def path_list(paths: Paths) -> list[str]:
    """One path or several, as the engine's readers take them."""
    return [str(paths)] if isinstance(paths, str | Path) else [str(p) for p in paths]


@dataclass(frozen=True, eq=False)  # two loads of one file are two models
class Model:
    """A trained model with its tokenizer and metadata, in eval mode. From ``load``."""

    network: LanguageModel  # the PyTorch module: forward(idx, state, targets)
    tokenizer: Tokenizer  # the one saved inside the checkpoint
    meta: RunMeta  # what the checkpoint says about its run: corpus, progress, metrics
    path: Path  # the checkpoint file the weights came from

    @property
    def config(self) -> ModelConfig:
        return self.network.config

    # ---- generation ------------------------------------------------------------------------
    def stream(self, prompt: str = "", **sampling: Unpack[Sampling]) -> Iterator[str]:
        """The continuation of ``prompt`` (without the prompt), a piece at a time as each
        token is drawn. The options are those of ``Sampling``."""
        return generate(self.network, self.tokenizer, prompt, sampling_settings(sampling))

    def generate(self, prompt: str = "", **sampling: Unpack[Sampling]) -> str:
        """The continuation of ``prompt``, without the prompt: ``stream`` joined."""
        return "".join(self.stream(prompt, **sampling))

    def samples(self, prompt: str = "", *, count: int, **sampling: Unpack[Sampling]) -> list[Sample]:
        """``count`` continuations generated together as one batch. Sample i uses seed
        ``seed + i`` (from 0), so each can be written again alone with ``generate``."""
        return generate_samples(self.network, self.tokenizer, prompt, sampling_settings(sampling), count)

    # ---- evaluation ------------------------------------------------------------------------
    def evaluate(
        self,
        paths: Paths,
        *,
        max_tokens: int | None = None,
        on_progress: Progress | None = None,
        on_event: EventCallback = ignore_events,
    ) -> EvalResult:
        """Loss (nats per token), bits per character and perplexity on the text of ``paths``,
        all of it or an evenly spread sample of about ``max_tokens`` tokens. ``on_event`` hears
        how the reading goes (``IngestEvent``); ``on_progress`` how the scoring does."""
        from training.data.corpus import CorpusError
        from training.data.ingest import ingest_corpus
        from training.loop.evaluate import evaluate_tokens

        files = path_list(paths)
        if isinstance(self.tokenizer, DocumentTokenizer):
            return self._evaluate_documents(files, max_tokens=max_tokens, on_progress=on_progress)
        corpus = ingest_corpus(files, tokenizer=self.tokenizer, on_event=on_event, min_chars=2)
        if len(corpus.tokens) < 3:
            raise CorpusError(f"{', '.join(files)}: too little text to evaluate")
        return evaluate_tokens(
            self.network, corpus.tokens, chars=corpus.chars, max_tokens=max_tokens, on_progress=on_progress
        )

    def _evaluate_documents(
        self, files: list[str], *, max_tokens: int | None, on_progress: Progress | None
    ) -> EvalResult:
        """A model trained on documents scores each document from its own start, cut as in
        training, from a token file of their own (as ``lstm-studio evaluate`` does)."""
        from training.data.documents import DocumentMode
        from training.data.ingest_documents import write_document_tokens
        from training.loop.document_eval import evaluate_documents

        assert isinstance(self.tokenizer, DocumentTokenizer)
        mode = DocumentMode.parse(self.meta.corpus.documents)
        with tempfile.TemporaryDirectory(prefix="lstm-studio-evaluate-") as folder:
            docs = write_document_tokens(files, self.tokenizer, mode, Path(folder) / "tokens.bin")
            try:
                return evaluate_documents(
                    self.network,
                    docs.tokens,
                    eod_id=self.tokenizer.vocab_size - 1,
                    chars=docs.chars,
                    max_tokens=max_tokens,
                    on_progress=on_progress,
                )
            finally:
                del docs  # the memory map closes before its folder goes (Windows refuses otherwise)


def load(path: str | Path, *, device: str | torch.device = "cpu") -> Model:
    """The model in a run folder or checkpoint file: the run's best weights where a stopped
    run kept them apart, as the CLI and the window open it."""
    network, tokenizer, meta = load_model(path, device)
    return Model(network=network, tokenizer=tokenizer, meta=meta, path=model_file(path))
