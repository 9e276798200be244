from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from lstm_core import LanguageModel, ModelConfig
from lstm_core.measure import text_properties as tp
from lstm_core.measure.units import rank_units
from lstm_core.measure.units_probes import correlations
from lstm_core.measure.units_report import format_units_table
from lstm_core.tokenizers import CharTokenizer


def test_properties_of_a_known_string() -> None:
    text = 'a (b [c]) "q #" # c\n  x. Y'
    depth = tp.bracket_depth(text)
    assert depth[text.index("(")] == 1 and depth[text.index("c")] == 2 and depth[text.index(")")] == 0
    quote = tp.inside_quotes(text)
    assert quote[text.index("q")] == 1 and quote[text.index("a")] == 0 and quote[text.index("\n")] == 0
    comment = tp.inside_comment(text)
    assert comment[text.index("#")] == 0  # inside the string
    assert comment[text.rindex("#") + 2] == 1 and comment[text.index("x")] == 0
    assert tp.indentation(text)[text.index("x")] == 2
    assert tp.line_position(text)[text.index("x")] == 3
    assert tp.word_start(text).tolist()[:4] == [1, 0, 0, 1]
    sentence = tp.since_sentence_end(text)
    assert sentence[0] == tp.SENTENCE_CAP and sentence[text.index(". ")] == 0
    assert sentence[text.index("Y")] == 2
    match = tp.regex_property(r"x\.")(text)
    assert match.sum() == 2
    with pytest.raises(ValueError, match="not a regular expression"):
        tp.regex_property("(")


def test_correlation_is_pearson() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 3))
    p = np.stack([a[:, 1] * 2 + 1, -a[:, 2], np.ones(500)], axis=1)
    r = correlations(p, a)
    assert r[0, 1] == pytest.approx(1.0) and r[1, 2] == pytest.approx(-1.0)
    assert r[2].tolist() == [0.0, 0.0, 0.0]  # a constant correlates with nothing
    assert r[0, 0] == pytest.approx(np.corrcoef(p[:, 0], a[:, 0])[0, 1])


def bracket_lstm(tokenizer: CharTokenizer) -> LanguageModel:
    """An LSTM built by hand whose cell unit 2 is 1 inside (brackets) and 0 outside.

    Its input gate is always open and its forget gate open except on ")", which shuts it;
    its candidate is tanh(20) = 1 on "(" and tanh(0) = 0 on anything else.
    """
    hidden = 4
    model = LanguageModel(ModelConfig(vocab_size=tokenizer.vocab_size, cell="lstm", hidden=hidden, embed=2))
    w_ih, _, b_ih, _ = model.layer_weights(0)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.embedding.weight[tokenizer.encode("(")[0], 0] = 1.0
        model.embedding.weight[tokenizer.encode(")")[0], 1] = 1.0
        b_ih[0 : 2 * hidden] = 20.0  # input and forget gates open (rows i, f, g, o)
        w_ih[hidden + 2, 1] = -40.0  # ")" shuts unit 2's forget gate
        w_ih[2 * hidden + 2, 0] = 20.0  # "(" offers 1 as unit 2's candidate
    return model.eval()


def test_a_bracket_tracking_unit_is_found() -> None:
    rng = random.Random(0)
    parts, inside = [], False
    for _ in range(3000):
        roll = rng.random()
        if roll < 0.1:
            parts.append(")" if inside else "(")
            inside = not inside
        else:
            parts.append(rng.choice("abc \n"))
    text = "".join(parts)
    tokenizer = CharTokenizer.train(text + "()")
    report = rank_units(bracket_lstm(tokenizer), tokenizer, text, baseline=True, patterns=[r"b+"])
    by_name = {p.name: p for p in report.properties}
    best = by_name["brackets"].best
    # C2 and h2 = o · tanh(C2) with o fixed at 1/2 track it equally well
    assert {(u.layer, u.state, u.unit) for u in best[:2]} == {(0, "c", 2), (0, "h", 2)}
    assert min(u.r for u in best[:2]) > 0.999 and abs(best[2].r) < 0.9
    assert by_name["brackets"].baseline is not None and by_name["brackets"].baseline < 0.9
    assert by_name["quote"].best == []  # no quotes in this text
    assert "/b+/" in by_name
    table = format_units_table(report)
    assert "L0:c2 +1.00" in table and "absent" in table
