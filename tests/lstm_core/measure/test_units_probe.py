"""The properties code and prose add, the probe beside the best unit, and which of them is shown."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from lstm_core import LanguageModel, ModelConfig
from lstm_core.measure import text_properties as tp
from lstm_core.measure.units import rank_units
from lstm_core.measure.units_probes import fit_probes
from lstm_core.measure.units_report import (
    NO_UNIT,
    PROBE_MARGIN,
    Probe,
    PropertyUnits,
    UnitScore,
    format_units_table,
)
from lstm_core.tokenizers import CharTokenizer


def _marks(values: np.ndarray) -> str:
    return "".join("^" if v else "." for v in values)


def test_inside_a_string_as_code_writes_it() -> None:
    text = 'x = "a\\"b" + \'c\' # it\'s\ns = """doc\nmore""" don\'t\n'
    assert _marks(tp.inside_string(text)) == (
        "....^^^^^^...^^^............^^^^^^^^^^^^^^.......".ljust(len(text), ".")
    )


def test_words_into_the_sentence_and_sentences_into_the_paragraph() -> None:
    text = "One two. Three 3.14 four!\n  \nFive six. Seven."
    words = tp.word_in_sentence(text)
    assert words[text.index("Three")] == 1 and words[text.index(". T")] == 0
    assert words[text.index("four")] == 4  # 3.14 is two runs of digits, not a sentence end
    assert words[text.index("Five")] == 1
    assert words[0] == tp.WORDS_CAP  # the text may begin mid-sentence
    sentences = tp.sentence_in_paragraph(text)
    assert sentences[text.index("Three")] == tp.SENTENCES_CAP  # before any paragraph break
    assert sentences[text.index("Five")] == 0 and sentences[text.index("Seven")] == 1
    assert {"string", "word #", "sentence #"} <= set(tp.PROPERTIES)


def _two_bracket_lstm(tokenizer: CharTokenizer) -> LanguageModel:
    """Cell unit 2 is 1 inside ( ), unit 3 inside [ ]: "inside brackets" is their sum, which
    no single unit follows and a readout of both does exactly (as test_units' bracket_lstm)."""
    hidden = 4
    model = LanguageModel(ModelConfig(vocab_size=tokenizer.vocab_size, cell="lstm", hidden=hidden, embed=4))
    w_ih, _, b_ih, _ = model.layer_weights(0)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        for column, ch in enumerate("()[]"):
            model.embedding.weight[tokenizer.encode(ch)[0], column] = 1.0
        b_ih[0 : 2 * hidden] = 20.0  # input and forget gates open
        w_ih[hidden + 2, 1] = -40.0  # ")" shuts unit 2's forget gate
        w_ih[2 * hidden + 2, 0] = 20.0  # "(" offers 1 to unit 2
        w_ih[hidden + 3, 3] = -40.0  # "]" shuts unit 3's
        w_ih[2 * hidden + 3, 2] = 20.0  # "[" offers 1 to unit 3
    return model.eval()


def test_a_probe_of_two_units_follows_what_neither_unit_does() -> None:
    rng = random.Random(0)
    parts, inside = [], ""
    for _ in range(3000):
        if rng.random() < 0.1:
            parts.append({"(": ")", "[": "]"}[inside] if inside else rng.choice("(["))
            inside = "" if inside else parts[-1]
        else:
            parts.append(rng.choice("abc \n"))
    text = "".join(parts)
    tokenizer = CharTokenizer.train(text + "()[]")
    report = rank_units(_two_bracket_lstm(tokenizer), tokenizer, text, baseline=True)
    brackets = next(p for p in report.properties if p.name == "brackets")
    assert brackets.probe is not None and brackets.probe.r > 0.99
    assert abs(brackets.best[0].r) < 0.9  # one unit sees one kind of bracket only
    assert {(u.state, u.unit) for u in brackets.probe.units[:4]} >= {("c", 2), ("c", 3)}
    assert brackets.probe.baseline is not None and brackets.probe.baseline < brackets.probe.r - PROBE_MARGIN
    assert "probe r" in format_units_table(report)


def test_probes_are_scored_on_positions_they_were_not_fitted_on() -> None:
    rng = np.random.default_rng(0)
    acts = rng.normal(size=(2000, 50))
    noise = rng.normal(size=(2000, 1))  # no unit carries it: the fit half's best guess is noise
    tracked = acts[:, :1] + acts[:, 1:2]
    (r_noise, _, _), (r_tracked, columns, _) = fit_probes(np.hstack([noise, tracked]), acts)
    assert abs(r_noise) < 0.1 and r_tracked > 0.99 and set(columns[:2]) == {0, 1}


def _prop(unit_r: float, probe_r: float) -> PropertyUnits:
    unit = UnitScore(0, "c", 1, unit_r)
    probe = Probe([unit], probe_r, 0.3)
    return PropertyUnits("x", "a property", [unit], 0.3, probe)


@pytest.mark.parametrize(
    ("unit_r", "probe_r", "shown"),
    [(0.9, 0.95, "unit"), (-0.9, 0.2, "unit"), (0.35, 0.8, "probe"), (0.35, 0.35, None)],
)
def test_the_unit_is_shown_when_it_clears_chance_else_the_probe_else_neither(
    unit_r: float, probe_r: float, shown: str | None
) -> None:
    from lstm_core.measure.units import _shown

    prop = _prop(unit_r, probe_r)
    assert _shown(prop) == shown
    done = PropertyUnits(prop.name, prop.description, prop.best, prop.baseline, prop.probe, _shown(prop))
    said = done.verdict()
    assert (said == NO_UNIT) == (shown is None)
    assert done.to_dict()["verdict"] == said and done.to_dict()["shown"] == shown
