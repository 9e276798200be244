#!/usr/bin/env bash
# Build the sdist and the wheel, check them, and prove the wheel works on its own: installed
# into a fresh virtual environment outside the source tree, run from a folder outside it,
# `lstm-studio` finds its demo (probe, generate, the window's self-test) and so does the
# Python API, with nothing from this checkout on the path.
#
#   scripts/wheel_check.sh                  # -> dist/lstm_studio-VERSION{.tar.gz,-py3-none-any.whl}
#   KEEP=1 scripts/wheel_check.sh           # keep the scratch folder (its path is printed)
#
# The wheel is built from the sdist (python -m build's default), so a file the sdist leaves
# out is missing from the wheel too, and this fails. PYTHON defaults to the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

DIST=${DIST:-dist}
mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd) # the checks below run from a folder outside the tree
PYTHON=${PYTHON:-.venv/bin/python}
TORCH=${TORCH:-torch==2.13.0} # the build the project is tested with (the Makefile's pin)
step() { printf '\n== %s\n' "$*"; }
fail() {
    echo "wheel_check: $*" >&2
    exit 1
}

version=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
wheel="$DIST/lstm_studio-$version-py3-none-any.whl"
sdist="$DIST/lstm_studio-$version.tar.gz"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lstm-studio-wheel.XXXXXX")
if [[ -n ${KEEP:-} ]]; then
    echo "scratch folder kept: $scratch"
else
    trap 'rm -rf "$scratch"' EXIT
fi

step "building $sdist and $wheel"
rm -f "$wheel" "$sdist"
"$PYTHON" -m build --outdir "$DIST" . >"$scratch/build.log" 2>&1 || {
    cat "$scratch/build.log" >&2
    fail "python -m build failed"
}
ls -l "$sdist" "$wheel"

step "what they carry"
"$PYTHON" - "$wheel" "$sdist" <<'EOF'
import sys
import tarfile
import zipfile

wheel, sdist = sys.argv[1:]
in_wheel = set(zipfile.ZipFile(wheel).namelist())
top = sdist.rsplit("/", 1)[-1].removesuffix(".tar.gz")
in_sdist = {name.removeprefix(top + "/") for name in tarfile.open(sdist).getnames()}
demo = ["demo/corpus.txt", "demo/lstm/checkpoint.safetensors", "demo/rnn/checkpoint.safetensors"]
wanted = {
    "wheel": (in_wheel, [f"training/assets/{f}" for f in demo] + ["lstm_studio/__init__.py", "app/__main__.py"]),
    "sdist": (in_sdist, [f"assets/{f}" for f in demo] + ["setup.py", "MANIFEST.in", "README.md"]),
}
missing = [f"{kind}: {name}" for kind, (have, names) in wanted.items() for name in names if name not in have]
stray = sorted({n.split("/")[0] for n in in_wheel} - {"app", "training", "lstm_core", "lstm_studio"})
stray = [n for n in stray if not n.endswith(".dist-info")]
if missing or stray:
    sys.exit(f"missing: {missing}; unexpected top-level names in the wheel: {stray}")
print(f"wheel: {len(in_wheel)} files, top-level app, lstm_core, lstm_studio, training; demo included")
print(f"sdist: {len(in_sdist)} files; assets/ included")
EOF
"$PYTHON" -m twine check --strict "$sdist" "$wheel"

step "a fresh virtual environment in $scratch/venv"
venv="$scratch/venv"
"$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install -q "$TORCH"
"$venv/bin/python" -m pip install -q "$wheel"

# From a folder outside the tree, with per-user folders and the token cache in scratch: the
# installed program must find everything it needs inside the environment.
elsewhere="$scratch/elsewhere"
mkdir -p "$elsewhere"
cd "$elsewhere"
export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache"
export LSTM_STUDIO_CACHE="$scratch/token-cache" QT_QPA_PLATFORM=offscreen
unset PYTHONPATH

step "where the installed packages and the demo are"
demo=$("$venv/bin/python" -c 'from training.demo.assets import demo_dir; print(demo_dir())')
code=$("$venv/bin/python" -c 'import training; print(training.__file__)')
echo "training: $code"
echo "demo:     $demo"
[[ $code == "$venv"/* && $demo == "$venv"/* ]] || fail "the installed package reads outside its environment"

step "lstm-studio --version"
said=$("$venv/bin/lstm-studio" --version)
echo "$said"
[[ $said == "lstm-studio $version" ]] || fail "expected lstm-studio $version"

step "lstm-studio probe"
"$venv/bin/lstm-studio" probe

step "lstm-studio generate $demo/lstm --prompt \"I grew up\" --length 40 --seed 1"
from_cli=$("$venv/bin/lstm-studio" generate "$demo/lstm" --prompt "I grew up" --length 40 --seed 1)
echo "$from_cli"

step "the Python API writes the same text"
from_api=$("$venv/bin/python" -c '
import lstm_studio as ls
model = ls.load(ls.demo_dir() / "lstm")
print("I grew up" + model.generate("I grew up", length=40, seed=1))')
[[ $from_api == "$from_cli" ]] || fail "the API wrote: $from_api"
echo "ok"

step "the window's self-test finds the shipped demo"
"$venv/bin/lstm-studio" --self-test | tee "$scratch/self-test.log"
grep -q "shipped demo models" "$scratch/self-test.log" || fail "the window did not open the shipped demo"
grep -q "training/docs/index.md opens" "$scratch/self-test.log" || fail "Help ▸ User Guide did not find the installed pages"

step "summary"
echo "wheel: $wheel ($(du -h "$wheel" | cut -f1)); sdist: $sdist ($(du -h "$sdist" | cut -f1))"
echo "wheel check: installed outside the tree, CLI, API and window found the demo and the user guide"
