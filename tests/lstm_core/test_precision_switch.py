"""$LSTM_STUDIO_NO_BF16 makes any CPU take the float32 path, so one machine measures both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = (
    "import torch; from lstm_core.hardware import autocast_dtype, cpu_supports_bf16; "
    "print(cpu_supports_bf16(), autocast_dtype(torch.device('cpu'), 'auto'))"
)


def _ask(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "LSTM_STUDIO_NO_BF16"}
    if env_value is not None:
        env["LSTM_STUDIO_NO_BF16"] = env_value
    done = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_switch_turns_auto_precision_into_float32() -> None:
    assert _ask("1") == "False None"
    native = _ask(None)  # this machine as it is: bf16 where the CPU has it
    assert native in ("True torch.bfloat16", "False None")
    assert _ask("0") == native  # 0 means off, as unset
