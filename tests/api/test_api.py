"""The Python API (``lstm_studio``, done by ``training.api``): it trains, loads, writes and
scores through the engine the CLI uses, and refuses what it cannot honour by name."""

from __future__ import annotations

from pathlib import Path

import pytest

import lstm_studio as ls
from lstm_core.options import OptionError
from training.checkpoints.checkpoint import load_model
from training.demo.tiny import TINY_MODEL, TINY_WINDOW, write_fallback_corpus
from training.run import FolderHoldsRunError

TINY = {"model_options": TINY_MODEL, "train_options": {**TINY_WINDOW, "device": "cpu", "precision": "fp32"}}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fallback_corpus(tmp_path_factory.mktemp("api") / "corpus.txt")


@pytest.fixture(scope="module")
def trained(corpus: Path) -> ls.TrainedRun:
    return ls.train([corpus], out=corpus.parent / "run", steps=12, **TINY)


def test_every_name_in_all_is_there() -> None:
    assert all(hasattr(ls, name) for name in ls.__all__)


def test_train_saves_a_run_the_engine_opens(trained: ls.TrainedRun) -> None:
    assert trained.finished.reason == "completed"
    assert trained.finished.steps == 12
    assert trained.saved
    network, _, meta = load_model(trained.out)  # what the CLI and the window open
    assert network.config.hidden == TINY_MODEL["hidden"]
    assert meta.progress.step == 12


def test_generation_is_the_stream_joined_and_repeats_with_its_seed(trained: ls.TrainedRun) -> None:
    model = trained.load()
    text = model.generate("The ", length=30, seed=3)
    assert text and not text.startswith("The ")  # the continuation alone
    assert text == "".join(model.stream("The ", length=30, seed=3))
    assert text == model.generate("The ", length=30, seed=3)


def test_each_sample_is_written_again_by_its_seed(trained: ls.TrainedRun) -> None:
    model = trained.load()
    samples = model.samples("The ", count=3, length=20, seed=10)
    assert [s.seed for s in samples] == [10, 11, 12]
    assert samples[2].text == model.generate("The ", length=20, seed=12)


def test_stop_takes_one_string_or_several(trained: ls.TrainedRun) -> None:
    model = trained.load()
    free = model.generate("The ", length=60, greedy=True)
    cut = free[5:7]
    assert cut not in model.generate("The ", length=60, greedy=True, stop=cut)
    assert model.generate("The ", length=60, greedy=True, stop=[cut, "zzz"]) == free[: free.find(cut)]


def test_a_misspelt_generation_option_is_named(trained: ls.TrainedRun) -> None:
    with pytest.raises(TypeError, match="'temprature'"):
        trained.load().generate("The ", temprature=0.5)  # type: ignore[call-arg]


def test_evaluate_scores_the_text(trained: ls.TrainedRun, corpus: Path) -> None:
    score = trained.load().evaluate(corpus, max_tokens=1600)
    assert score.tokens == 1600  # 100 columns of the 16 streams
    assert 0 < score.bits_per_char < 8


def test_events_reach_the_callback_in_order(corpus: Path, tmp_path: Path) -> None:
    seen: list[ls.Event] = []
    ls.train(corpus, out=tmp_path / "run", steps=4, on_event=seen.append, **TINY)
    steps = [e.step for e in seen if isinstance(e, ls.StepEvent)]
    assert steps == [1, 2, 3, 4]
    assert isinstance(seen[-1], ls.FinishedEvent)


def test_a_cancel_from_the_callback_stops_and_saves_and_resume_finishes(corpus: Path, tmp_path: Path) -> None:
    control = ls.TrainingControl()

    def stop_at_three(event: ls.Event) -> None:
        if isinstance(event, ls.StepEvent) and event.step >= 3:
            control.cancel()

    out = tmp_path / "run"
    stopped = ls.train(corpus, out=out, steps=8, on_event=stop_at_three, control=control, **TINY)
    assert (stopped.finished.reason, stopped.finished.steps, stopped.saved) == ("cancelled", 3, True)
    resumed = ls.train(out=out, resume=True)
    assert (resumed.finished.reason, resumed.finished.steps) == ("completed", 8)


def test_a_folder_holding_a_run_is_replaced_only_when_asked(trained: ls.TrainedRun, corpus: Path) -> None:
    with pytest.raises(FolderHoldsRunError):
        ls.train(corpus, out=trained.out, steps=2, **TINY)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"model_options": {"hiden": 8}}, "hiden"),
        ({"train_options": {"batchsize": 4}}, "batchsize"),
        ({"steps": 3, "train_options": {"steps": 4}}, "steps"),
        ({"steps": 3, "minutes": 1.0}, "minutes or as steps"),
        ({"preset": "fastest"}, "fastest"),
    ],
)
def test_options_it_cannot_honour_are_named(corpus: Path, tmp_path: Path, options: dict, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        ls.train(corpus, out=tmp_path / "run", **options)
    assert not (tmp_path / "run").exists() or not any((tmp_path / "run").iterdir())


def test_without_a_corpus_a_fresh_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="corpus"):
        ls.train(out=tmp_path / "run")


def test_the_measurements_read_text_or_a_path(trained: ls.TrainedRun, corpus: Path) -> None:
    model = trained.load()
    text = corpus.read_text(encoding="utf-8")
    from_path = ls.context(model, path=corpus, tokens=32)
    assert from_path.losses == ls.context(model, text=text, tokens=32).losses
    report = ls.units(model, text=text, tokens=600, baseline=False)
    assert report.positions > 0 and report.cell == "lstm"
    norms = ls.gradflow(model, path=corpus, max_k=10, windows=2)
    assert sorted(norms) == list(range(1, 11))
    with pytest.raises(OptionError, match="one of the two"):
        ls.context(model, text=text, path=corpus)
    with pytest.raises(OptionError, match="one of the two"):
        ls.units(model)


def test_the_demo_is_found_and_probed() -> None:
    assert (ls.demo_dir() / "corpus.txt").is_file()
    demo = ls.load(ls.demo_dir() / "rnn")
    assert demo.config.cell == "rnn"
    result = ls.probe(demo, per_bucket=2)
    assert result.cell == "rnn" and 0.0 <= result.accuracy <= 1.0
