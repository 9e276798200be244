"""What a hostile hour found in `generate`, `evaluate` and `export`: nothing the person made is
written over, a Ctrl+C keeps the samples made so far, a copy check never compares against the
wrong text, and out-of-range options are named in one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from training.cli import main

REPO = Path(__file__).resolve().parents[2]
TINY = ["--hidden", "16", "--embed", "8", "--batch", "4", "--seq-len", "16"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    corpus = folder / "c.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog and the cat sees a hen\n" * 200)
    assert main(["train", str(corpus), "--out", str(folder / "run"), *TINY, "--steps", "20"]) == 0
    return folder / "run"


def _generate(run: Path, *extra: str) -> int:
    return main(["generate", str(run), "--length", "20", "--seed", "1", *extra])


def test_the_output_never_replaces_the_model_or_its_corpus(run: Path, capsys) -> None:
    checkpoint = run / "checkpoint.safetensors"
    before = checkpoint.read_bytes()
    assert _generate(run, "--output", str(checkpoint)) == 2
    assert "is a checkpoint of the model's run" in capsys.readouterr().err
    assert checkpoint.read_bytes() == before
    corpus = run.parent / "c.txt"
    text = corpus.read_text()
    assert _generate(run, "--output", str(corpus)) == 2
    assert "is a file the model was trained on" in capsys.readouterr().err
    assert corpus.read_text() == text


def test_output_dash_is_standard_output(run: Path, capsys) -> None:
    assert _generate(run, "--num-samples", "2", "--output", "-") == 0
    out = capsys.readouterr().out
    assert out.count("--- sample ") == 2 and not Path("-").exists()


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--seed", str(2**63)], "argument --seed: must be at most"),
        (["--seed", "-5"], "argument --seed: must be a non-negative whole number"),
        (["--stop", ""], "argument --stop: an empty stop text"),
        (["--beam", "4", "--length-penalty", "1e308"], "argument --length-penalty: must be at most 10"),
        (["--clamp", "0:0=1e308"], "argument --clamp: the value must be between"),
        (["--output", ""], "argument --output: give the file to write"),
    ],
)
def test_out_of_range_options_are_named(run: Path, capsys, option: list[str], said: str) -> None:
    assert _generate(run, *option) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1


def test_export_into_an_empty_name_is_refused(run: Path, capsys) -> None:
    assert main(["export", str(run), ""]) == 2
    assert "give the folder to write" in capsys.readouterr().err


def test_a_prompt_passed_as_escaped_bytes_is_written_as_the_text_typed(
    run: Path, tmp_path: Path, capsys
) -> None:
    # Under a C locale without UTF-8 mode, "thé" reaches Python as "th" and two lone surrogates.
    typed = os.fsdecode("thé".encode())
    escaped = "th\udcc3\udca9" if typed == "thé" else typed
    out = tmp_path / "o.txt"
    assert _generate(run, "--prompt", escaped, "--num-samples", "2", "--output", str(out)) == 0
    assert "thé" in out.read_text(encoding="utf-8")


def test_the_copy_check_refuses_a_corpus_that_is_gone_or_changed_before_generating(
    tmp_path: Path, capsys
) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text("a line of text for the copy check to look into, again and again\n" * 150)
    run = tmp_path / "run"
    assert main(["train", str(corpus), "--out", str(run), *TINY, "--steps", "10"]) == 0
    capsys.readouterr()
    corpus.rename(tmp_path / "moved.txt")
    assert _generate(run, "--check-copies") == 2
    err = capsys.readouterr().err
    assert "c.txt is no longer there" in err and "[Errno" not in err
    corpus.write_text("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n" * 300)
    assert _generate(run, "--check-copies") == 2
    assert "c.txt has changed since" in capsys.readouterr().err


# Ctrl+C arrives while the samples are being drawn: the 40th draw sends it to the process itself.
CTRL_C_MIDWAY = """
import os, signal, sys
import lstm_core.batch_sampling as sampling
draw, calls = sampling._Draws.__call__, []
def draw_then_ctrl_c(self, *args, **kwargs):
    calls.append(1)
    if len(calls) == 40:
        os.kill(os.getpid(), signal.SIGINT)
    return draw(self, *args, **kwargs)
sampling._Draws.__call__ = draw_then_ctrl_c
from training.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_while_sampling_keeps_the_samples_made_so_far(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "samples.txt"
    command = [
        sys.executable, "-c", CTRL_C_MIDWAY, "generate", str(run), "--length", "100000",
        "--num-samples", "3", "--seed", "1", "--output", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 128 + signal.SIGINT, done.stderr
    assert "the samples end where Ctrl+C came" in done.stderr
    text = out.read_text(encoding="utf-8")
    assert text.count("--- sample ") == 3 and 20 < len(text) < 3 * 1000


def test_evaluate_says_when_its_score_flatters_the_model(run: Path, tmp_path: Path, capsys) -> None:
    assert main(["evaluate", str(run), str(run.parent / "c.txt")]) == 0
    assert "note: this is the text the model was trained on" in capsys.readouterr().err
    foreign = tmp_path / "cyr.txt"
    foreign.write_text("Съешь же ещё этих мягких французских булок, да выпей чаю. " * 40, encoding="utf-8")
    assert main(["evaluate", str(run), str(foreign)]) == 0
    err = capsys.readouterr().err
    assert "of this text's tokens are <unk>" in err and "trained on" not in err


def test_context_says_how_much_it_measured_and_needs_enough_tokens(run: Path, capsys) -> None:
    corpus = str(run.parent / "c.txt")
    assert main(["context", str(run), corpus, "--tokens", "300"]) == 0
    out = capsys.readouterr().out
    assert "all " not in out.split("measured on", 1)[1].splitlines()[0]  # only part of it was scored
    assert main(["context", str(run), corpus, "--tokens", "1"]) == 2
    assert "argument --tokens: must be at least 16" in capsys.readouterr().err


def test_probe_says_when_its_model_never_saw_the_demo_facts(run: Path, capsys) -> None:
    assert main(["probe", str(run), "--per-bucket", "2"]) == 0
    assert "not trained on the demo corpus" in capsys.readouterr().out


def test_a_training_seed_out_of_range_is_named(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text("some text to train on, line after line\n" * 100)
    code = main(["train", str(corpus), "--out", str(tmp_path / "r"), "--seed", "-99999999999999999999"])
    assert code == 2
    assert "argument --seed: must be a non-negative whole number" in capsys.readouterr().err
