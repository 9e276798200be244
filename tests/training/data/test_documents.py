"""Documents: the end-of-document token at every level, training on one-line items, per-document scoring."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.sampling import SamplingSettings, generate, generate_tokens, prompt_ids
from lstm_core.tokenizers import decode, tokenizer_from_dict, train_tokenizer
from tests.conftest import make_text
from training.checkpoints.checkpoint import load_model
from training.cli import main
from training.data.corpus import Corpus, CorpusError, SourceFile
from training.data.documents import DocumentMode, split_documents
from training.demo.tiny import TINY_WINDOW
from training.loop.document_eval import document_spans, evaluate_documents
from training.run import run_training
from training.run_spec import RunSpec

ANIMALS = ["cat", "dog", "owl", "fox", "hen", "yak"]
VERBS = ["sees", "likes", "finds", "meets"]


def one_line_items(count: int = 400, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [f"the {rng.choice(ANIMALS)} {rng.choice(VERBS)} a {rng.choice(ANIMALS)}" for _ in range(count)]


@pytest.fixture(scope="module")
def lines_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lines")
    corpus = folder / "items.txt"
    corpus.write_text("\n".join(one_line_items()) + "\n", encoding="utf-8")
    spec = RunSpec(
        paths=(str(corpus),),
        out_dir=folder / "run",
        model_options={"hidden": 32, "embed": 16},
        train_options={"steps": 150, **TINY_WINDOW, "device": "cpu", "precision": "fp32"},
        documents="lines",
    )
    run_training(spec)
    return folder / "run"


@pytest.mark.parametrize("text", ["stream", "files", "lines", "separator:---", "separator:\\n\\n"])
def test_document_modes_read_back_as_written(text: str) -> None:
    assert DocumentMode.parse(DocumentMode.parse(text).describe()) == DocumentMode.parse(text)


@pytest.mark.parametrize("text", ["paragraphs", "separator:", "line", ""])
def test_nonsense_document_modes_are_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="documents"):
        DocumentMode.parse(text)


def test_split_by_lines_separator_and_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("first poem\nline two\n", encoding="utf-8")
    b.write_text("second poem\n", encoding="utf-8")
    text = "first poem\nline two\n\nsecond poem\n"
    corpus = Corpus(text, [SourceFile(str(a), "utf-8", 20, 20), SourceFile(str(b), "utf-8", 12, 12)])
    assert split_documents(corpus, DocumentMode.parse("files")) == ["first poem\nline two", "second poem"]
    assert split_documents(corpus, DocumentMode.parse("lines")) == ["first poem", "line two", "second poem"]
    assert split_documents(corpus, DocumentMode.parse("separator:\\n\\n")) == [
        "first poem\nline two",
        "second poem",
    ]
    with pytest.raises(CorpusError, match="at least 2 needed"):
        split_documents(corpus, DocumentMode.parse("separator:no such text"))


@pytest.mark.parametrize("level", ["char", "word", "bpe"])
def test_end_of_document_token_at_every_level(level: str) -> None:
    docs = make_text(600).splitlines()
    tok = DocumentTokenizer(train_tokenizer(level, "\n".join(docs)))
    assert tok.eod_id == tok.vocab_size - 1 == tok.base.vocab_size
    ids = tok.encode_documents(docs[:3])
    assert ids.count(tok.eod_id) == 3 and ids[-1] == tok.eod_id
    decoded = decode(tok, ids)
    assert decoded.count("\n") == 3 and decoded.endswith("\n")  # <eod> reads as a line break
    if level != "word":  # words too rare for the vocabulary read back as <unk>
        assert decoded == "\n".join(docs[:3]) + "\n"
    assert tok.eod_id not in tok.encode("<eod> " + docs[0])  # no text encodes to it
    again = tokenizer_from_dict(tok.to_dict())
    assert again.eod_id == tok.eod_id and again.encode(docs[0]) == tok.encode(docs[0])
    assert prompt_ids(again, "the")[0] == tok.eod_id  # generation starts at a document start


def test_samples_of_one_line_items_end_at_the_line_end(lines_run: Path) -> None:
    model, tok, meta = load_model(lines_run)
    assert meta.corpus.documents == "lines" and tok.eod_id is not None
    for seed in range(12):
        settings = SamplingSettings(max_tokens=300, seed=seed)
        tokens = list(generate_tokens(model, tok, "", settings))
        text = "".join(t.text for t in tokens)
        assert len(tokens) < 300, f"seed {seed} ran on past its item: {text!r}"
        assert "\n" not in text and text.count("the ") <= 2  # one item, not the start of the next
    # Without the stop, the end-of-document token reads as a line break and the next item follows.
    longer = "".join(generate(model, tok, "", SamplingSettings(max_tokens=300, seed=0, stop_at_end=False)))
    assert longer.count("\n") >= 3


def test_documents_are_scored_each_from_its_own_start(lines_run: Path) -> None:
    model, tok, _ = load_model(lines_run)
    docs = one_line_items(40, seed=9)
    tokens = np.asarray(tok.encode_documents(docs))
    spans = document_spans(tokens, tok.eod_id)
    assert len(spans) == 40 and all(tokens[e - 1] == tok.eod_id for _, e in spans)
    chars = len("\n".join(docs)) + 1
    whole = evaluate_documents(model, tokens, eod_id=tok.eod_id, chars=chars, batch_size=7, seq_len=8)
    assert whole.tokens == len(tokens)  # every token, each closing <eod> included
    # A document's score does not depend on its neighbours: scored alone it costs the same.
    alone = [
        evaluate_documents(model, tokens[s:e], eod_id=tok.eod_id, chars=e - s, batch_size=1)
        for s, e in spans[:5]
    ]
    together = evaluate_documents(model, tokens[: spans[4][1]], eod_id=tok.eod_id, chars=1, batch_size=3)
    mean_alone = sum(r.loss_nats * r.tokens for r in alone) / sum(r.tokens for r in alone)
    assert together.loss_nats == pytest.approx(mean_alone, rel=1e-5)
    assert whole.loss_nats < 1.5  # it has learnt the items


def test_cli_trains_on_lines_and_refuses_a_bad_choice(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "items.txt"
    corpus.write_text("\n".join(one_line_items(200)) + "\n", encoding="utf-8")
    tiny = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16", "--steps", "3"]
    assert main(["train", str(corpus), "--out", str(tmp_path / "m"), "--documents", "lines", *tiny]) == 0
    assert load_model(tmp_path / "m")[2].corpus.documents == "lines"
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "m"), str(corpus), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["tokens"] == len(corpus.read_text(encoding="utf-8"))  # every character and every <eod>
    assert main(["train", str(corpus), "--out", str(tmp_path / "n"), "--documents", "pages", *tiny]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--documents" in err and "pages" in err
