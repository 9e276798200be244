"""A checkpoint written tensor by tensor: the file is plain safetensors, a save holds no second
copy of the weights and optimizer state, and running out of memory mid-save keeps the previous
checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from tests.peak_memory import run_with_peak
from training.checkpoints import checkpoint_io, tensor_file
from training.checkpoints.checkpoint import load_checkpoint
from training.common.control import TrainingControl
from training.common.events import Event, SaveFailedEvent
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.run import prepare_run
from training.run_spec import RunSpec


def test_a_streamed_file_reads_back_with_safetensors_exactly(tmp_path: Path) -> None:
    tensors = {
        "b.bf16": torch.randn(3, 5).to(torch.bfloat16),
        "a.f32": torch.randn(7),
        "c.bool": torch.tensor([True, False, True]),
        "d.i64": torch.tensor(12345678901),  # a 0-dim value, as the optimizer's step is
        "e.empty": torch.zeros(0, 4),
        "f.u8": torch.arange(11, dtype=torch.uint8),
    }
    path = tmp_path / "t.safetensors"
    with open(path, "wb") as file:
        tensor_file.write_tensors(file, tensors, {"note": "ünïcode"})
    header_length = int.from_bytes(path.read_bytes()[:8], "little")
    assert header_length % 8 == 0
    with safe_open(str(path), framework="pt") as f:
        assert f.metadata() == {"note": "ünïcode"}
        assert set(f.keys()) == set(tensors)
        for name, tensor in tensors.items():
            back = f.get_tensor(name)
            assert back.dtype == tensor.dtype and back.shape == tensor.shape
            assert torch.equal(back, tensor)


def test_a_tensor_of_an_unsaveable_type_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="tensor odd: dtype"):
        tensor_file.header({"odd": torch.zeros(2, dtype=torch.complex64)}, {})


# A 2×1024 LSTM after one AdamW step: about 200 MB of weights and optimizer state.
SAVE_PEAK = """
import torch
from lstm_core.config import ModelConfig
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import CharTokenizer
from training.checkpoints.checkpoint import save_checkpoint
from training.checkpoints.run_meta import RunMeta

def peak_kb():
    return int(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')))

torch.manual_seed(0)
model = LanguageModel(ModelConfig(vocab_size=20, layers=2, hidden=1024, embed=1024))
optimizer = torch.optim.AdamW(model.parameters())
model(torch.randint(0, 20, (2, 4)), None, torch.randint(0, 20, (2, 4))).loss.backward()
optimizer.step()
model.zero_grad(set_to_none=True)
state_mb = sum(p.numel() * p.element_size() for p in model.parameters()) * 3 / 2**20
before = peak_kb()
tokenizer = CharTokenizer(list("abcdefghijklmnopqrs"))
save_checkpoint(OUT, model=model, tokenizer=tokenizer, meta=RunMeta(), optimizer=optimizer)
result = {"state_mb": state_mb, "added_mb": (peak_kb() - before) / 1024}
"""


def test_a_save_holds_no_second_copy_of_the_state(tmp_path: Path) -> None:
    result, _ = run_with_peak(SAVE_PEAK.replace("OUT", repr(str(tmp_path / "big"))), timeout=180)
    assert result["state_mb"] > 150
    # Built in memory, the file alone is one more copy of the state (and safetensors' bytes
    # another); streamed, a save adds at most a small share of it.
    assert result["added_mb"] < 0.2 * result["state_mb"], result
    assert load_checkpoint(tmp_path / "big").meta.model is not None


def _spec(corpus: Path, out: Path) -> RunSpec:
    options = {**TINY_TRAIN, "steps": 6, "first_checkpoint_s": 0.0, "checkpoint_every_s": 0.0}
    return RunSpec(paths=(str(corpus),), out_dir=out, model_options=TINY_MODEL, train_options=options)


def test_out_of_memory_mid_save_keeps_the_previous_checkpoint_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog. " * 200, encoding="utf-8")
    out = tmp_path / "m"
    events: list[Event] = []
    prepared = prepare_run(_spec(corpus, out), on_event=events.append)
    trainer = prepared.trainers[0]
    trainer.train_step()  # saves step 1
    before = (out / "checkpoint.safetensors").read_bytes()

    real_write = tensor_file.write_tensors

    def out_of_memory_halfway(file, tensors, metadata) -> None:  # type: ignore[no-untyped-def]
        file.write(tensor_file.header(tensors, metadata))
        raise torch.OutOfMemoryError("CPU out of memory")

    monkeypatch.setattr("training.checkpoints.checkpoint.write_tensors", out_of_memory_halfway)
    trainer.train_step()
    failures = [e for e in events if isinstance(e, SaveFailedEvent)]
    assert len(failures) == 1
    assert "ran out of memory while saving" in failures[0].message
    assert "the checkpoint of step 1 stands" in failures[0].message
    assert (out / "checkpoint.safetensors").read_bytes() == before
    assert not list(out.glob(f"{checkpoint_io.TEMP_PREFIX}*"))  # no half-written file left
    assert trainer.step == 2  # training went on

    monkeypatch.setattr("training.checkpoints.checkpoint.write_tensors", real_write)
    results = prepared.train(TrainingControl())
    assert results[0].saved and load_checkpoint(out).meta.progress.step == 6


def test_the_rollback_snapshot_is_refreshed_in_place(tmp_path: Path) -> None:
    from training.demo.tiny import tiny_model
    from training.loop.trainer_state import Snapshot

    model = tiny_model(20)
    optimizer = torch.optim.AdamW(model.parameters())

    def one_step() -> None:
        model(torch.randint(0, 20, (4, 16)), None, torch.randint(0, 20, (4, 16))).loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    one_step()
    snapshot = Snapshot.take(model, optimizer, 1)
    held = {name: t.data_ptr() for name, t in snapshot.model.items()}
    one_step()
    wanted_model = {k: v.clone() for k, v in model.state_dict().items()}
    wanted_moment = next(iter(optimizer.state.values()))["exp_avg"].clone()
    snapshot.refresh(model, optimizer, 2)
    assert {name: t.data_ptr() for name, t in snapshot.model.items()} == held  # no new copy
    one_step()
    assert snapshot.restore(model, optimizer) == 2
    for name, value in model.state_dict().items():
        assert torch.equal(value, wanted_model[name]), name
    assert torch.equal(next(iter(optimizer.state.values()))["exp_avg"], wanted_moment)
    assert json.dumps(snapshot.optimizer["param_groups"][0]["betas"])  # plain values came along
