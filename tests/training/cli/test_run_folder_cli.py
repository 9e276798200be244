"""`lstm-studio train` and the run folder it is given: a saved run is not replaced unless
asked, a pair's RNN folder is locked with its LSTM's, and another host's lock is refused
with the way to take it over."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from training.checkpoints.checkpoint import load_checkpoint, read_metadata
from training.checkpoints.run_lock import LOCK_NAME
from training.cli import main
from training.demo.tiny import TINY_TRAIN
from training.run import run_training
from training.run_spec import contrast_rnn_spec

REPO = Path(__file__).resolve().parents[3]
TINY = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16"]

# Holds a run folder's locks the way a real run does (prepare_run), until killed.
HOLDER = """
import sys, time
from pathlib import Path
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.run import prepare_run
from training.run_spec import RunSpec
spec = RunSpec(
    paths=(sys.argv[1],), out_dir=Path(sys.argv[2]), compare_rnn=sys.argv[3] == "pair",
    model_options=dict(TINY_MODEL), train_options={**TINY_TRAIN, "device": "cpu"},
)
prepared = prepare_run(spec)
print("held", flush=True)
time.sleep(120)
"""


def _hold(corpus: Path, out: Path, *, pair: bool) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(corpus), str(out), "pair" if pair else "one"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def _train(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "app", "train", *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_a_fresh_run_into_a_folder_holding_one_is_refused_unless_told_to_overwrite(
    corpus_file: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "m"
    assert main(["train", str(corpus_file), "--out", str(out), *TINY, "--steps", "3"]) == 0
    before = (out / "checkpoint.safetensors").read_bytes()
    saved = time.strftime("%Y-%m-%d %H:%M", time.localtime(read_metadata(out).saved_at))

    again = _train(str(corpus_file), "--out", str(out), *TINY, "--steps", "2")
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "Traceback" not in again.stderr
    assert again.stderr.startswith(
        f"lstm-studio: error: {out} already holds a run (lstm, 3 steps, saved {saved})"
    )
    assert "--resume" in again.stderr and "--overwrite" in again.stderr and "--out" in again.stderr
    assert (out / "checkpoint.safetensors").read_bytes() == before
    assert not (out / LOCK_NAME).exists()

    capsys.readouterr()
    assert main(["train", str(corpus_file), "--out", str(out), *TINY, "--steps", "2", "--overwrite"]) == 0
    assert load_checkpoint(out).meta.progress.step == 2  # replaced, not resumed

    assert main(["train", "--out", str(out), "--resume", "--overwrite"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_pairs_rnn_is_refused_as_a_fresh_run_too(corpus_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "m"
    assert main(["train", "--out", str(out / "rnn"), str(corpus_file), *TINY, "--steps", "2"]) == 0
    capsys.readouterr()
    assert main(["train", str(corpus_file), "--out", str(out), *TINY, "--steps", "2", "--compare-rnn"]) == 2
    err = capsys.readouterr().err
    assert f"{out} already holds a run (its vanilla RNN in {out / 'rnn'}: lstm, 2 steps" in err


@pytest.mark.parametrize(
    ("holder_out", "pair", "second_out", "second_args"),
    [
        ("m", True, "m/rnn", []),  # the pair holds m/rnn while it trains
        ("m/rnn", False, "m", ["--compare-rnn"]),  # a run in m/rnn keeps a pair out of m
    ],
    ids=["rnn folder of a running pair", "pair over a running rnn folder"],
)
def test_a_pairs_rnn_folder_is_locked_with_its_lstm(
    corpus_file: Path,
    tmp_path: Path,
    capsys,
    holder_out: str,
    pair: bool,
    second_out: str,
    second_args: list[str],
) -> None:
    holder = _hold(corpus_file, tmp_path / holder_out, pair=pair)
    try:
        second = ["train", str(corpus_file), "--out", str(tmp_path / second_out), *TINY, "--steps", "2"]
        assert main([*second, *second_args]) == 2
        err = capsys.readouterr().err
        assert "another LSTM Studio process is training into this folder" in err
        assert f"pid {holder.pid}" in err
    finally:
        holder.kill()
        holder.wait()
    assert not (tmp_path / second_out / "checkpoint.safetensors").exists()


def test_another_hosts_lock_is_refused_until_taken_over(corpus_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "m"
    out.mkdir()
    lock = out / LOCK_NAME
    lock.write_text(json.dumps({"pid": 77, "host": "container-before-restart", "started": 0}), "utf-8")
    run = ["train", str(corpus_file), "--out", str(out), *TINY, "--steps", "2"]
    assert main(run) == 2
    err = capsys.readouterr().err
    assert str(lock) in err and "container-before-restart" in err and "not running on this machine" in err
    assert "--take-over-lock" in err and err.count("\n") == 1
    assert main([*run, "--take-over-lock"]) == 0
    assert not lock.exists()


def test_the_window_retraining_a_contrast_rnn_replaces_it(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    assert main(["train", str(corpus_file), "--out", str(out), *TINY, "--steps", "2"]) == 0
    meta = read_metadata(out)
    for steps in (2, 3):  # Train ▸ Train the RNN for Contrast, twice
        spec = contrast_rnn_spec(
            meta, paths=[str(corpus_file)], out_dir=out / "rnn", train_options={**TINY_TRAIN, "steps": steps}
        )
        assert run_training(spec)[0].steps == steps
