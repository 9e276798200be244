"""The Explain page's measurement reports how far it has got, stage by stage, and stops when asked."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from lstm_core.measure.context import MeasurementStopped
from lstm_core.measure.explain import STAGE_WORDS, explain_models, stage_costs
from lstm_core.tokenizers import CharTokenizer
from training.demo.tiny import tiny_model

TEXT = "".join(f'def f{i % 11}(x):\n    return g{i % 11}(x) + "{i % 7}"\n' for i in range(60))


@dataclass(frozen=True)
class _Case:
    prompt: str
    language: str
    distance: int


CASES = [_Case("def f3(x):\n    return", "g3", 20), _Case("def f5(x):\n    return", "g5", 70)]


class _Loaded:
    def __init__(self, cell: str, tokenizer: CharTokenizer) -> None:
        self.model = tiny_model(tokenizer.vocab_size, cell=cell).eval()
        self.tokenizer = tokenizer


@pytest.fixture(scope="module")
def pair() -> dict[str, _Loaded]:
    tokenizer = CharTokenizer.train(TEXT)
    return {cell: _Loaded(cell, tokenizer) for cell in ("lstm", "rnn")}


def _measure(pair: dict[str, _Loaded], **live) -> None:
    explain_models(pair, text=TEXT, clip={}, cases=CASES, recall=True, max_k=30, **live)


def test_progress_rises_through_every_stage_to_one(pair: dict[str, _Loaded]) -> None:
    fractions: list[float] = []
    stages: list[tuple[str, int]] = []  # each stage's words, and how many fractions came before it
    _measure(pair, progress=fractions.append, measuring=lambda words: stages.append((words, len(fractions))))
    assert fractions[-1] == 1.0
    assert all(0.0 <= a < b <= 1.0 for a, b in itertools.pairwise(fractions))
    assert len(fractions) >= 10  # within the probe and recall too, not only between stages
    assert [words for words, _ in stages] == [
        "the LSTM's recall of planted facts",
        "the LSTM's gradient flow",
        "the LSTM's tokens per second",
        "how much memory the LSTM rewrites",
        "the RNN's recall of planted facts",
        "the RNN's gradient flow",
        "the RNN's tokens per second",
        "how much memory the RNN rewrites",
        "the RNN's gradient with W_hh × 3",
        "recall of the words that recur",
    ]
    costs = stage_costs(pair, cases=len(CASES), recall=True)
    assert len(costs) == len(stages)
    assert costs["gradflow", "lstm"] > costs["gradflow", "rnn"]  # an LSTM step is the dearer
    # The share done when the recall starts is what the stages before it cost.
    before_recall = fractions[stages[-1][1] - 1]
    assert before_recall == pytest.approx(1 - costs["recall", ""] / sum(costs.values()), abs=2e-3)


def test_a_raised_stop_flag_ends_it_before_it_starts(pair: dict[str, _Loaded]) -> None:
    fractions: list[float] = []
    with pytest.raises(MeasurementStopped):
        _measure(pair, progress=fractions.append, stop=lambda: True)
    assert fractions == []


@pytest.mark.parametrize(
    ("stage", "inside"),
    [(("probe", "lstm"), True), (("gradflow", "rnn"), False), (("recall", ""), True)],
)
def test_the_stop_flag_is_read_between_stages_and_inside_the_long_ones(
    pair: dict[str, _Loaded], stage: tuple[str, str], inside: bool
) -> None:
    """The flag goes up once ``stage`` has reported some progress: the probe ends between two
    cases and the recall inside its reading, a single pass at the next stage; recall's own
    stop exception comes out as ``context``'s, the one the caller catches."""
    costs = stage_costs(pair, cases=len(CASES), recall=True)
    order = list(costs)
    words = [STAGE_WORDS[s].format(who=f"the {n.upper()}") for s, n in order]
    ends = {key: sum(costs[k] for k in order[: i + 1]) / sum(costs.values()) for i, key in enumerate(order)}
    fractions: list[float] = []
    started: list[tuple[str, int]] = []

    def stop() -> bool:
        return (
            bool(started) and started[-1][0] == words[order.index(stage)] and len(fractions) > started[-1][1]
        )

    with pytest.raises(MeasurementStopped):
        _measure(
            pair,
            progress=fractions.append,
            stop=stop,
            measuring=lambda w: started.append((w, len(fractions))),
        )
    assert started[-1][0] == words[order.index(stage)]  # nothing after it started
    if inside:
        assert fractions[-1] < ends[stage] - 1e-3
    else:
        assert fractions[-1] == pytest.approx(ends[stage], abs=1e-3)
