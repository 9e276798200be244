"""A model trained on a CUDA GPU generates there (streaming and many samples as one batch)
and its checkpoint loads and generates on a CPU."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lstm_core.batch_sampling import generate_samples
from lstm_core.sampling import SamplingSettings, generate
from tests.cuda.needs import needs_cuda
from training.checkpoints.checkpoint import load_checkpoint, load_model
from training.cli import main
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.run import run_training
from training.run_spec import RunSpec

pytestmark = needs_cuda

# The same weights on a CPU and a GPU give log-probabilities that differ by rounding (the
# GPU may multiply in TF32, about 1e-3 relative); a wrongly loaded weight differs by far more.
LOGPROB_TOLERANCE = 2e-2


@pytest.fixture
def gpu_run(corpus_file: Path, tmp_path: Path) -> Path:
    out = tmp_path / "gpu"
    spec = RunSpec(
        paths=(str(corpus_file),),
        out_dir=out,
        model_options=dict(TINY_MODEL),
        train_options={**TINY_TRAIN, "steps": 40, "lr": 1e-2, "device": "cuda"},
    )
    assert run_training(spec)[0].reason == "completed"
    return out


def test_a_checkpoint_trained_on_the_gpu_generates_on_a_cpu(gpu_run: Path, capsys) -> None:
    assert "rng.cuda" in load_checkpoint(gpu_run).tensors
    cpu_model, tokenizer, _ = load_model(gpu_run, "cpu")
    gpu_model, _, _ = load_model(gpu_run, "cuda")
    assert cpu_model.device.type == "cpu" and gpu_model.device.type == "cuda"
    ids = torch.tensor([tokenizer.encode("the cat sat on the mat and the dog")])
    with torch.no_grad():
        on_cpu = torch.log_softmax(cpu_model(ids).logits.float(), -1)
        on_gpu = torch.log_softmax(gpu_model(ids.cuda()).logits.float(), -1).cpu()
    assert (on_cpu - on_gpu).abs().max().item() <= LOGPROB_TOLERANCE
    assert main(["generate", str(gpu_run), "--prompt", "the ", "--length", "40", "--seed", "3"]) == 0
    text = capsys.readouterr().out
    assert len(text.strip()) > 0


def test_generation_on_the_gpu_streams_and_writes_a_batch_of_samples(gpu_run: Path) -> None:
    model, tokenizer, _ = load_model(gpu_run, "cuda")
    settings = SamplingSettings(max_tokens=60, temperature=0.8, seed=5)
    streamed = "".join(generate(model, tokenizer, "the ", settings))
    assert 0 < len(streamed) <= 60 and streamed == "".join(generate(model, tokenizer, "the ", settings))
    known = set(tokenizer.chars)
    assert set(streamed) <= known  # every character is one the model was trained on
    samples = generate_samples(model, tokenizer, "the ", settings, 4)
    assert [s.seed for s in samples] == [5, 6, 7, 8]
    assert all(0 < s.tokens <= 60 and set(s.text) <= known for s in samples)
    again = generate_samples(model, tokenizer, "the ", settings, 4)
    assert [s.text for s in again] == [s.text for s in samples]  # seeded: the same texts again
