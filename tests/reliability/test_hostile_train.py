"""`lstm-studio train` under the cases a hostile pass found: corpus paths that are not files,
a stale companion RNN, a model too large to train, output that cannot be written, a resume
with nothing to resume, memory too tight to import, refused starts, a pointless contrast and
absurd budgets. Each ends with one clear line, and nothing is left behind or lost.

Failures about processes, pipes and memory limits run in a real process, from this checkout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from lstm_core.config import ModelConfig
from lstm_core.options import OptionError
from tests.lock_holder import lock_held_elsewhere
from training.cli import build_parser, exit_codes, main
from training.cli.args import UsageError
from training.common.config import TrainConfig
from training.common.events import Event, WarningEvent
from training.data.corpus import CorpusError, expand_paths
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.loop import failures
from training.run import prepare_run
from training.run_spec import RunSpec

REPO = Path(__file__).resolve().parents[2]
TINY = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16"]
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes, devices and limits")


def _cli(
    *args: str, cwd: Path, timeout: float = 120, limit_kb: int | None = None, stdout: int | None = None
) -> subprocess.CompletedProcess:
    """``lstm-studio ARGS`` in a process of its own, from this checkout, optionally under
    ``ulimit -v limit_kb``."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    env.pop("LSTM_STUDIO_DEBUG", None)
    preexec: Callable[[], None] | None = None
    if limit_kb is not None:
        import resource

        def preexec() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_kb * 1024, limit_kb * 1024))

    out = subprocess.PIPE if stdout is None else stdout
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        env=env,
        stdout=out,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,
    )
    try:
        got_out, got_err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:  # hung: the failure under test
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, got_out, got_err)


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    return lines[0]


def _spec(corpus: Path, out: Path, **fields: object) -> RunSpec:
    train = {**TINY_TRAIN, "steps": 2}
    return RunSpec(paths=(str(corpus),), out_dir=out, model_options=TINY_MODEL, train_options=train, **fields)


# ---- #3, #23: a corpus named directly that is a pipe or a device ---------------------------


@POSIX
def test_a_named_pipe_as_corpus_is_refused_at_once_leaving_no_folder(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    try:
        result = _cli("train", str(pipe), "--out", "r", *TINY, "--steps", "2", cwd=tmp_path, timeout=90)
    except subprocess.TimeoutExpired:  # the old behaviour: blocked in open() for a writer
        pytest.fail("train on a named pipe hung")
    assert result.returncode == exit_codes.BAD_INPUT
    said = _one_line(result.stderr)
    assert said == (
        f"lstm-studio: error: {pipe}: is a named pipe, not a text file; name a regular file or a "
        "folder (save the piped text to a file first)"
    )
    assert not (tmp_path / "r").exists()  # no folder, no lock file


@POSIX
def test_a_device_named_as_corpus_is_refused_before_it_is_read() -> None:
    with pytest.raises(CorpusError, match=r"^/dev/zero: is a device, not a text file; name a regular"):
        expand_paths(["/dev/zero"])


@POSIX
def test_a_folders_pipe_is_still_skipped(tmp_path: Path, corpus_file: Path) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text(corpus_file.read_text(encoding="utf-8"), encoding="utf-8")
    os.mkfifo(folder / "pipe")
    assert [p.name for p, _ in expand_paths([folder])] == ["a.txt"]


# ---- #7: an overwrite leaves no stale companion RNN ------------------------------------------


@pytest.mark.parametrize(
    ("cell", "compare_rnn"),
    [("lstm", False), ("rnn", True)],  # the second: an RNN that trains no RNN beside itself
)
def test_an_overwrite_without_the_rnn_removes_the_replaced_runs_rnn(
    corpus_file: Path, tmp_path: Path, cell: str, compare_rnn: bool
) -> None:
    out = tmp_path / "cmp"
    prepare_run(_spec(corpus_file, out, compare_rnn=True)).train()
    assert (out / "rnn" / "checkpoint.safetensors").is_file()
    other = tmp_path / "other.txt"
    other.write_text("Lorem ipsum dolor sit amet, consectetur; " * 100, encoding="utf-8")
    events: list[Event] = []
    spec = _spec(other, out, overwrite=True, compare_rnn=compare_rnn)
    spec = replace(spec, model_options={**TINY_MODEL, "cell": cell})
    prepare_run(spec, on_event=events.append).train()
    assert not (out / "rnn").exists()
    warned = [e.message for e in events if isinstance(e, WarningEvent)]
    assert (
        f"removed {out / 'rnn'}: the vanilla RNN of the run this one replaces, trained on its text" in warned
    )


def test_a_refused_overwrite_keeps_the_old_rnn(tmp_path: Path, corpus_file: Path) -> None:
    out = tmp_path / "cmp"
    prepare_run(_spec(corpus_file, out, compare_rnn=True)).train()
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(CorpusError):
        prepare_run(_spec(empty, out, overwrite=True))
    assert (out / "rnn" / "checkpoint.safetensors").is_file()


# ---- #9: a model too large to train -----------------------------------------------------------


@POSIX
def test_a_model_too_large_to_train_is_refused_before_it_is_built(tmp_path: Path, corpus_file: Path) -> None:
    # 930 million parameters need about 37 GB to train; under a 6 GB address-space limit the
    # estimate refuses it on any machine (it used to segfault in the first backward pass).
    args = ["train", str(corpus_file), "--out", "huge", "--hidden", "16", "--embed", "10000000"]
    result = _cli(*args, "--batch", "1", "--seq-len", "2", "--steps", "1", cwd=tmp_path, limit_kb=6_000_000)
    assert result.returncode == exit_codes.OUT_OF_MEMORY, result.stderr[-2000:]
    said = _one_line(result.stderr)
    assert said.startswith("lstm-studio: error: lstm: out of memory building the model on cpu: "), said
    assert "training holds about 10 times that" in said and "free there" in said, said
    assert "--embed 5000000" in said, said
    assert not (tmp_path / "huge").exists()  # no folder, no lock file


def test_an_lstm_too_large_for_the_bf16_kernel_trains_in_float32(monkeypatch) -> None:
    config = ModelConfig(vocab_size=30, hidden=16, embed=10_000_000)  # 4 × 16 × 10M ≥ 2^29
    cpu = torch.device("cpu")
    monkeypatch.setattr(failures, "autocast_dtype", lambda *_: torch.bfloat16)  # a CPU with bf16
    fitted, note = failures.fit_precision(config, TrainConfig(), cpu)
    assert fitted.precision == "fp32"
    assert note == (
        "trains in float32: its largest weight matrix (640,000,000 numbers) is too large for the "
        "CPU's bfloat16 LSTM kernel, which crashes at 536,870,912"
    )
    with pytest.raises(OptionError, match=r"--precision fp32"):
        failures.fit_precision(config, TrainConfig(precision="bf16"), cpu)
    small = ModelConfig(vocab_size=30, hidden=16, embed=8)
    assert failures.fit_precision(small, TrainConfig(), cpu) == (TrainConfig(), None)


# ---- #15: output that cannot be written -------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_train_json_onto_a_full_device_trains_saves_and_says_its_output_is_lost(
    tmp_path: Path, corpus_file: Path
) -> None:
    with open("/dev/full", "w") as full:
        args = ["train", str(corpus_file), "--out", "r", "--json", *TINY, "--steps", "3"]
        result = _cli(*args, cwd=tmp_path, stdout=full.fileno())
    assert result.returncode == 7, result.stderr[-2000:]  # exit_codes.OUTPUT_LOST
    assert result.stderr.strip().splitlines()[-1] == (
        "lstm-studio: error: could not write to stdout (No space left on device), so output is "
        "missing; training went on regardless and saved the run in r"
    )
    assert (tmp_path / "r" / "checkpoint.safetensors").is_file()
    assert exit_codes.OUTPUT_LOST == 7


@POSIX
def test_a_reader_that_leaves_early_is_not_lost_output(tmp_path: Path, corpus_file: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # `| head` gone before the first line
    try:
        args = ["train", str(corpus_file), "--out", "r", "--json", *TINY, "--steps", "3"]
        result = _cli(*args, cwd=tmp_path, stdout=write)
    finally:
        os.close(write)
    assert result.returncode == exit_codes.OK, result.stderr[-2000:]
    assert "could not write" not in result.stderr


# ---- #18: --resume with nothing to resume -----------------------------------------------------


def test_resume_on_a_missing_folder_says_there_is_no_run_there(tmp_path: Path, capsys) -> None:
    assert main(["train", "--out", str(tmp_path / "rnu"), "--resume", "--steps", "5"]) == 2
    said = capsys.readouterr().err.strip()
    assert said == (
        f"lstm-studio: error: {tmp_path / 'rnu'}: no such folder, so there is no run to resume; check "
        "the --out path, or name the corpus to start a run there (lstm-studio train PATH... --out DIR)"
    )
    assert not (tmp_path / "rnu").exists()


def test_resume_on_a_folder_without_a_run_says_so(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["train", "--out", str(tmp_path / "empty"), "--resume"]) == 2
    assert f"{tmp_path / 'empty'}: holds no saved run to resume" in capsys.readouterr().err


@POSIX
def test_resume_before_the_first_save_says_the_run_has_not_saved_yet(tmp_path: Path, capsys) -> None:
    out = tmp_path / "live"
    with lock_held_elsewhere(out):
        assert main(["train", "--out", str(out), "--resume"]) == 2
    said = capsys.readouterr().err
    assert f"{out}: nothing to resume yet: the run training there (pid " in said
    assert "has not saved its first checkpoint; wait for its first save, or for it to end" in said


# ---- #19: memory too tight to import ----------------------------------------------------------


@POSIX
@pytest.mark.parametrize("limit_kb", [1_000_000, 600_000, 300_000])
def test_a_tight_memory_limit_is_one_line_not_a_traceback(tmp_path: Path, limit_kb: int) -> None:
    result = _cli("generate", "run", "--length", "5", cwd=tmp_path, limit_kb=limit_kb)
    said = _one_line(result.stderr)
    assert said.startswith("lstm-studio: error: "), said
    assert result.returncode in (exit_codes.OUT_OF_MEMORY, exit_codes.UNEXPECTED, exit_codes.BAD_INPUT)
    if result.returncode == exit_codes.OUT_OF_MEMORY:
        assert "out of memory" in said and "ulimit -v" in said


# ---- #24: a refused start leaves no folder ----------------------------------------------------


def test_a_refused_start_leaves_no_empty_run_folder(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "r_empty" / "nested"
    assert main(["train", str(empty), "--out", str(out), *TINY, "--steps", "2"]) == 2
    assert "is empty" in capsys.readouterr().err
    assert not (tmp_path / "r_empty").exists()  # nor the parent made for it


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_refused_device_leaves_no_empty_run_folder(tmp_path: Path, corpus_file: Path, capsys) -> None:
    out = tmp_path / "r_cuda"
    assert (
        main(["train", str(corpus_file), "--out", str(out), *TINY, "--steps", "2", "--device", "cuda"]) == 2
    )
    assert "cuda" in capsys.readouterr().err
    assert not out.exists()


def test_a_folder_that_was_there_stays(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "mine"
    out.mkdir()
    assert main(["train", str(empty), "--out", str(out), *TINY, "--steps", "2"]) == 2
    assert out.is_dir() and not list(out.iterdir())


# ---- #25: an RNN compared with itself ---------------------------------------------------------


def test_an_rnn_is_not_trained_twice_for_a_contrast(tmp_path: Path, corpus_file: Path, capsys) -> None:
    out = tmp_path / "r_rr"
    args = ["train", str(corpus_file), "--out", str(out), *TINY, "--steps", "2", "--cell", "rnn"]
    assert main([*args, "--compare-rnn"]) == 0
    said = capsys.readouterr()
    assert (
        "no vanilla RNN is trained beside the model: it is one itself, and would be trained twice" in said.err
    )
    assert len(said.out.strip().splitlines()) == 1  # one result
    assert (out / "checkpoint.safetensors").is_file() and not (out / "rnn").exists()


# ---- #26: absurd budgets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--minutes", "1e308", "argument --minutes: must be at most 525,960 (a year), not 1e308"),
        ("--steps", "99999999999999999999999", "argument --steps: must be at most 1,000,000,000,000"),
    ],
)
def test_a_budget_past_any_machines_life_is_refused(option: str, value: str, said: str) -> None:
    with pytest.raises(UsageError, match=re.escape(said)):
        build_parser().parse_args(["train", "c.txt", "--out", "r", option, value])


def test_a_run_spec_refuses_an_absurd_budget_too(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="steps must be at most 1,000,000,000,000"):
        RunSpec(paths=("c.txt",), out_dir=tmp_path, train_options={"steps": 10**13})
    with pytest.raises(OptionError, match=r"minutes must be at most 525,960 \(a year\)"):
        RunSpec(paths=("c.txt",), out_dir=tmp_path, train_options={"minutes": 1e308})


def test_an_eta_past_a_day_is_in_days() -> None:
    from training.cli.progress import format_eta

    assert format_eta(42.4) == "42s"
    assert format_eta(3 * 86_400) == "3.0 days"
    assert format_eta(1e10) == "115,740.7 days"
    assert format_eta(float("inf")) == "?"
