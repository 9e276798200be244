"""The batch's bookkeeping: each row's draws, its end of document and its text."""

from __future__ import annotations

import numpy as np
import torch

from lstm_core.batch_rows import BatchRows, Uniforms
from lstm_core.batch_sampling import _Draws, generate_samples
from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.sampling import SamplingSettings, draw, generate_tokens
from lstm_core.tokenizers import train_tokenizer
from tests.conftest import make_text
from training.demo.tiny import tiny_model


def test_rows_draw_from_blocks_what_one_call_per_token_draws() -> None:
    seeds = [3, 4, 5, 6]
    uniforms = Uniforms([np.random.default_rng(s) for s in seeds])
    singles = [np.random.default_rng(s) for s in seeds]
    active = np.arange(4)
    for step in range(150):  # past two blocks, with rows leaving midway
        if step == 70:
            active = np.array([0, 2])
        drawn = uniforms.next(active)
        assert drawn.tolist() == [singles[r].random() for r in active.tolist()]


def test_each_rows_draw_is_the_single_runs_draw_on_the_same_logits() -> None:
    # Many near-ties: a cumulative sum added in another order would move some boundaries.
    settings = SamplingSettings(temperature=0.7, seed=0)
    rows, vocab = 16, 97
    tok = train_tokenizer("char", make_text(300))
    generators = [np.random.default_rng(s) for s in range(rows)]
    draws = _Draws(settings, generators, BatchRows(tok, settings, rows, []))
    singles = [np.random.default_rng(s) for s in range(rows)]
    data = np.random.default_rng(1)
    active = np.arange(rows)
    for _ in range(300):
        logits = np.round(data.normal(size=(rows, vocab)) * 4, 1)
        picked = draws(logits.copy(), active)
        assert picked.tolist() == [draw(logits[r].copy(), settings, [], singles[r]) for r in range(rows)]


def test_rows_that_write_the_end_of_document_leave_the_batch_as_single_runs_end() -> None:
    tok = DocumentTokenizer(train_tokenizer("char", make_text(300)))
    torch.manual_seed(0)
    model = tiny_model(tok.vocab_size).eval()
    with torch.no_grad():  # make the end of document likely, so that rows end at different steps
        model.head.bias[tok.eod_id] += 3.0
    settings = SamplingSettings(max_tokens=60, seed=11)
    samples = generate_samples(model, tok, "the", settings, 8)
    ends = [s for s in samples if s.ended == "end"]
    assert ends and len({s.tokens for s in ends}) > 1
    for s in samples:
        single = SamplingSettings(max_tokens=60, seed=s.seed)
        written = list(generate_tokens(model, tok, "the", single))
        assert s.tokens == len(written) and s.text == "".join(t.text for t in written)
        assert (s.ended == "end") == (len(written) < 60)


def test_texts_longer_than_the_first_columns_come_out_whole() -> None:
    tok = train_tokenizer("char", make_text(300))
    torch.manual_seed(1)
    model = tiny_model(tok.vocab_size).eval()
    samples = generate_samples(model, tok, "the", SamplingSettings(max_tokens=700, seed=5), 3)
    for s in samples:  # 700 tokens: the written array doubled twice on the way
        single = SamplingSettings(max_tokens=700, seed=s.seed)
        written = list(generate_tokens(model, tok, "the", single))
        assert s.tokens == 700 and s.text == "".join(t.text for t in written)
