from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from training.cli import main

TINY = ["--hidden", "24", "--embed", "12", "--batch", "4", "--seq-len", "16", "--steps", "8"]


def test_train_json_generate_evaluate(corpus_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "model"
    assert main(["train", str(corpus_file), "--out", str(out), "--json", "--compare-rnn", *TINY]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all("event" in line for line in lines)
    done = lines[-1]
    assert done["event"] == "done" and done["steps"] == 8
    assert {"val_loss", "checkpoint", "seconds", "tokens_per_s"} <= done.keys()
    assert Path(done["checkpoint"]) == out and (out / "rnn" / "checkpoint.safetensors").exists()

    assert main(["generate", str(out), "--prompt", "the cat", "--length", "30", "--seed", "1"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("the cat") and len(first.rstrip("\n")) >= 30
    main(["generate", str(out), "--prompt", "the cat", "--length", "30", "--seed", "1"])
    assert capsys.readouterr().out == first

    assert main(["evaluate", str(out), str(corpus_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"loss_nats", "bits_per_char", "perplexity", "tokens"}
    assert result["loss_nats"] > 0 and result["perplexity"] > 1


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["train", "{missing}", "--out", "{out}"], "no such file"),
        (["train", "{binary}", "--out", "{out}"], "binary"),
        (["train", "{corpus}", "--out", "{out}", "--steps", "0"], "--steps"),
        (["train", "{corpus}", "--out", "{out}", "--device", "cuda"], "cuda"),
        (["generate", "{out}"], "no checkpoint"),
        (["evaluate", "{garbage}", "{corpus}"], "corrupt or truncated"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(argv, needle, corpus_file: Path, tmp_path: Path, capsys) -> None:
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\xff" * 3000)
    garbage = tmp_path / "junk.safetensors"
    garbage.write_bytes(b"junk")
    names = {
        "missing": tmp_path / "nope.txt",
        "out": tmp_path / "o",
        "binary": binary,
        "corpus": corpus_file,
        "garbage": garbage,
    }
    code = main([a.format(**names) for a in argv])
    err = capsys.readouterr().err
    if "cuda" in argv and code == 0:
        pytest.skip("this machine has CUDA")
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and needle in err
    assert "Traceback" not in err


def test_console_entry_point_runs_the_cli(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app", "generate", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 2
    assert out.stderr.startswith("lstm-studio: error:") and "Traceback" not in out.stderr


def test_resume_needs_no_paths_and_refuses_a_new_shape(corpus_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "m"
    assert main(["train", str(corpus_file), "--out", str(out), *TINY]) == 0
    capsys.readouterr()
    reshaped = ["train", "--out", str(out), "--resume", "--steps", "10", "--hidden", "64", "--level", "word"]
    assert main(reshaped) == 2
    err = capsys.readouterr().err.strip()
    assert "hidden is 24, not 64" in err and "char-level, not word-level" in err and "\n" not in err
    resumed = ["train", "--out", str(out), "--resume", "--steps", "10", "--preset", "quality", "--json"]
    assert main(resumed) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    warnings = [line["message"] for line in lines if line["event"] == "warning"]
    assert any("preset quality is ignored" in w for w in warnings), warnings
    assert lines[-1]["steps"] == 10


def test_every_option_of_every_subcommand_is_explained() -> None:
    from training.cli import COMMANDS, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert tuple(sub.choices) == COMMANDS
    for name, command in sub.choices.items():
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
    assert "(default: 0.8)" in sub.choices["generate"].format_help()  # temperature, from SamplingSettings
    assert "Quick: 512" in sub.choices["train"].format_help()  # hidden, from the preset


def test_a_misspelt_option_key_is_one_clear_line(tmp_path: Path, capsys) -> None:
    assert main(["train", "--out", str(tmp_path / "m")]) == 2
    assert "give the corpus" in capsys.readouterr().err


def test_checkpoint_every_also_brings_the_first_checkpoint_forward() -> None:
    from training.cli import build_parser
    from training.cli.train_args import train_options

    args = build_parser().parse_args(["train", "c.txt", "--out", "m", "--checkpoint-every", "0.3"])
    _, train = train_options(args)
    assert train["checkpoint_every_s"] == 0.3 and train["first_checkpoint_s"] == 0.3
