from __future__ import annotations

from pathlib import Path

from training.presets.presets import PRESETS
from training.run_spec import RunSpec, resolve_settings


def _model_for(minutes: float | None, **model_options):
    train = {} if minutes is None else {"minutes": minutes}
    spec = RunSpec(paths=(), out_dir=Path("unused"), model_options=model_options, train_options=train)
    # The preset's own numbers: fitting to the machine is kept out (as for a distributed run).
    return resolve_settings(spec, vocab_size=65, corpus_tokens=1_000_000, resumed=None, distributed=True)


def test_quick_adds_dropout_only_when_given_a_long_budget() -> None:
    assert _model_for(None)[0].dropout == 0.0
    assert _model_for(1.5)[0].dropout == 0.0
    model, train = _model_for(5.0)
    assert model.dropout == PRESETS["quick"].long_budget[1]["dropout"] > 0
    assert model.hidden == PRESETS["quick"].model["hidden"] and train.budget.minutes == 5.0


def test_a_persons_own_choice_beats_the_budget_rule() -> None:
    assert _model_for(5.0, dropout=0.0)[0].dropout == 0.0


def test_a_cuda_gpu_gets_the_presets_gpu_shapes_and_a_persons_choice_still_wins() -> None:
    quick = PRESETS["quick"]
    on_gpu, on_cpu = quick.model_fields("char", None, "cuda"), quick.model_fields("char", None, "cpu")
    assert on_gpu["hidden"] == quick.gpu_model["hidden"] > on_cpu["hidden"] == quick.model["hidden"]
    gpu_train = quick.train_config({}, "cuda")
    assert gpu_train.batch_size == quick.gpu_train["batch_size"] > quick.train_config({}).batch_size
    assert quick.train_config({"batch_size": 7}, "cuda").batch_size == 7
    for preset in PRESETS.values():  # every preset has GPU shapes, each valid
        assert preset.gpu_model and preset.train_config({}, "cuda").budget == preset.train_config({}).budget
