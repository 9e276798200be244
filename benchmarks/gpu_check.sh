#!/usr/bin/env bash
# Everything a README GPU row needs, in one go on a CUDA machine, in about 8 minutes:
# the CUDA tests (the CUDA-graph step's among them), the trainer against a bare cuDNN loop
# (with its steps launched eagerly, replayed from a CUDA graph, and under torch.compile's
# "reduce-overhead"), generation speed, and validation loss on tinyshakespeare for each preset.
#
#   benchmarks/gpu_check.sh [PATH/TO/tinyshakespeare.txt]
#   SKIP_TESTS=1 benchmarks/gpu_check.sh ...   (the benchmarks alone, when the tests just ran)
#
# Budgets: Quick trains its own 1.5 minutes (the figure to set beside nanoGPT's
# shakespeare_char 1.4697); Balanced and Quality are cut from 5 and 20 minutes to 0.6
# each, so their figures are early points on their curves, not what the presets reach.
# Each part has a time limit, so a hang in one still leaves the others' figures; together the
# limits come to 9.6 minutes, the parts themselves to less (torch.compile's two compilations
# take most of the training part's extra time).
set -u
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
if [ $# -ge 1 ]; then export LSTM_STUDIO_SHAKESPEARE="$1"; fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
started=$SECONDS
part() { echo; echo "=== $1 ($((SECONDS - started)) s in)"; }

part "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
"$PY" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version(), torch.cuda.get_device_name() if torch.cuda.is_available() else "NO CUDA")'

if [ "${SKIP_TESTS:-0}" != 1 ]; then
    part "CUDA tests"
    timeout 150 "$PY" -m pytest -q -rs -p no:cacheprovider tests/cuda
    echo "tests exit code: $?"
fi

part "training throughput (trainer: eager, CUDA graph, torch.compile / bare cuDNN loop)"
timeout 150 "$PY" -m benchmarks --device cuda --only training

part "generation"
timeout 40 "$PY" -m benchmarks --device cuda --only generation

part "quality: Quick at its own budget"
timeout 125 "$PY" -m benchmarks --device cuda --only quality --presets quick

part "quality: Balanced and Quality, 0.6 minutes each"
timeout 110 "$PY" -m benchmarks --device cuda --only quality --presets balanced,quality --quality-minutes 0.6

part "done in $((SECONDS - started)) s"
