#!/usr/bin/env bash
# Build the one-folder bundle from build.spec, then prove it works from the folder alone:
# the CLI (train a few steps on the shipped demo corpus, generate from the result) and the
# window's --self-test, both offscreen; then check nothing was written inside the bundle,
# and print its size, the build time and the launch-to-window time.
#
#   scripts/package.sh                 # -> dist/lstm-studio   (what `make package` runs)
#   DIST=/tmp/pkg/dist WORK=/tmp/pkg/build scripts/package.sh
#   SKIP_BUILD=1 scripts/package.sh    # only test an existing bundle
#
# Works on Linux, macOS and Windows (Git Bash); PYTHON defaults to the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

DIST=${DIST:-dist}
WORK=${WORK:-build}
if [[ -z "${PYTHON:-}" ]]; then
    PYTHON=.venv/bin/python
    [[ -x $PYTHON ]] || PYTHON=.venv/Scripts/python.exe
fi
BUNDLE="$DIST/lstm-studio"
step() { printf '\n== %s\n' "$*"; }

if [[ -z "${SKIP_BUILD:-}" ]]; then
    step "building $BUNDLE with PyInstaller"
    started=$SECONDS
    "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$DIST" --workpath "$WORK" build.spec
    build_seconds=$((SECONDS - started))
fi

# Windows has a console twin for the CLI (the windowed lstm-studio.exe has no stdout to
# report on); elsewhere the one executable is both.  Same program, same start-up.
CLI="$BUNDLE/lstm-studio"
[[ -e "$BUNDLE/lstm-studio-cli.exe" ]] && CLI="$BUNDLE/lstm-studio-cli.exe"
CORPUS=$(ls "$BUNDLE"/_internal/assets/demo/corpus.txt "$BUNDLE"/assets/demo/corpus.txt 2>/dev/null | head -1 || true)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lstm-studio-package.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# Per-user folders point into scratch: the tests must not touch this machine's real ones,
# and whatever the program writes has to land there, never in the bundle.
export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache"
export QT_QPA_PLATFORM=offscreen
touch "$scratch/before-tests"
sleep 1 # mtime granularity: files written during the tests must be strictly newer

step "CLI from the bundle"
"$CLI" generate --help >/dev/null
if [[ -z "$CORPUS" ]]; then
    echo "no assets/demo/corpus.txt in the bundle: the demo assets were not shipped" >&2
    exit 1
fi
"$CLI" train "$CORPUS" --out "$scratch/run" --steps 3 --json >"$scratch/train.jsonl"
tail -n 1 "$scratch/train.jsonl"
"$CLI" generate "$scratch/run" --length 60 --seed 1
echo

step "$CLI --self-test (offscreen)"
"$CLI" --self-test --screenshot "$scratch/self-test.png"

step "the window, with the default per-user data folder"
LSTM_STUDIO_EXIT_AFTER_SHOW=1 "$CLI"
if [[ $(uname -s) == Linux && ! -d "$XDG_DATA_HOME/LSTM Studio" ]]; then
    echo "the window did not create its data folder under \$XDG_DATA_HOME" >&2
    exit 1
fi

step "nothing written inside the bundle"
written=$(find "$BUNDLE" -newer "$scratch/before-tests" -print)
if [[ -n "$written" ]]; then
    printf 'the program wrote inside its own folder:\n%s\n' "$written" >&2
    exit 1
fi
echo "ok"

step "launch to window shown"
"$PYTHON" -m benchmarks.startup_time --exe "$CLI" --runs 3

step "summary"
echo "bundle: $BUNDLE ($(du -sh "$BUNDLE" | cut -f1))"
[[ -n "${build_seconds:-}" ]] && echo "build time: ${build_seconds} s"
echo "package: CLI and self-test passed"
