"""``lstm-studio evaluate``: score a trained model on text, all of it unless capped."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.model import LanguageModel
from training.checkpoints.run_meta import RunMeta
from training.cli import exit_codes
from training.cli.args import HelpFormatter, positive_int
from training.loop.evaluate import EvalResult


def add_evaluate_command(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser(
        "evaluate",
        help="loss, bits per character and perplexity on text",
        description=(
            "Score a model on text: nats per token, bits per character and perplexity. The text "
            "is tokenised once into the token cache, so scoring it again starts at once."
        ),
        formatter_class=HelpFormatter,
    )
    ev.add_argument("model", type=Path, metavar="DIR", help="a run folder or checkpoint file")
    ev.add_argument("paths", nargs="+", metavar="PATH", help="text files or folders to score")
    ev.add_argument(
        "--max-tokens",
        type=positive_int,
        metavar="N",
        help="score an evenly spread sample of about N tokens (default: every token)",
    )
    ev.add_argument("--json", action="store_true", help="print one JSON object, and no progress bar")
    ev.set_defaults(handler=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from training.checkpoints.checkpoint import load_model
    from training.cli.progress import ProgressReporter
    from training.data.corpus import CorpusError
    from training.data.ingest import ingest_corpus
    from training.loop.evaluate import evaluate_tokens

    model, tokenizer, meta = load_model(args.model)
    if isinstance(tokenizer, DocumentTokenizer):
        return _evaluate_documents(args, model, tokenizer, meta)
    reporter = ProgressReporter(enabled=not args.json)
    try:
        corpus = ingest_corpus(args.paths, tokenizer=tokenizer, on_event=reporter, min_chars=2)
    finally:
        reporter.close()  # clear the corpus bar: an error gets a line of its own
    if len(corpus.tokens) < 3:
        raise CorpusError(f"{', '.join(args.paths)}: too little text to evaluate")
    with _bar(args, "scoring", "tok") as progress:
        result = evaluate_tokens(
            model, corpus.tokens, chars=corpus.chars, max_tokens=args.max_tokens, on_progress=progress
        )
    _print(args, result, total=len(corpus.tokens))
    return exit_codes.OK


@contextmanager
def _bar(args: argparse.Namespace, desc: str, unit: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr fed (done, total); none with --json or off a terminal."""
    from tqdm import tqdm

    with tqdm(
        total=0,
        unit=unit,
        unit_scale=True,
        desc=desc,
        file=sys.stderr,
        disable=True if args.json else None,  # None: only on a terminal
        leave=False,
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield progress


def _evaluate_documents(
    args: argparse.Namespace, model: LanguageModel, tokenizer: DocumentTokenizer, meta: RunMeta
) -> int:
    """A model trained on documents scores each document from its own start, cut as in training.

    The documents are encoded a batch at a time into a token file of their own and scored from
    its memory map, so memory stays flat whatever the text's size. Not the run's token cache:
    that keeps each repeated document once and needs two, and a text scored is scored whole."""
    from training.data.corpus import expand_paths
    from training.data.documents import DocumentMode
    from training.data.ingest_documents import write_document_tokens
    from training.loop.document_eval import evaluate_documents

    mode = DocumentMode.parse(meta.corpus.documents)
    total_bytes = sum(path.stat().st_size for path, _ in expand_paths(args.paths))
    with tempfile.TemporaryDirectory(prefix="lstm-studio-evaluate-") as folder:
        with _bar(args, "tokenising", "B") as progress:
            read = 0

            def on_bytes(count: int) -> None:
                nonlocal read
                read += count
                progress(read, total_bytes)

            docs = write_document_tokens(
                args.paths, tokenizer, mode, Path(folder) / "tokens.bin", on_bytes=on_bytes
            )
        with _bar(args, "scoring", "tok") as progress:
            result = evaluate_documents(
                model,
                docs.tokens,
                eod_id=tokenizer.vocab_size - 1,
                chars=docs.chars,
                max_tokens=args.max_tokens,
                on_progress=progress,
            )
        total = len(docs.tokens)
        del docs  # the memory map closes before its folder goes (Windows refuses otherwise)
    _print(args, result, total=total)
    return exit_codes.OK


def _print(args: argparse.Namespace, result: EvalResult, *, total: int) -> None:
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(
            f"loss {result.loss_nats:.4f} nats/token   {result.bits_per_char:.4f} bits/char   "
            f"perplexity {result.perplexity:.2f}   ({result.tokens:,} of {total:,} tokens)"
        )
