#!/usr/bin/env bash
# Pack the bundle that scripts/package.sh built and tested into the release archive, then
# prove the archive alone works: unpack it into a scratch folder and run its --self-test there.
#
#   scripts/release_archive.sh    # -> dist/lstm-studio-VERSION-linux-x86_64.tar.gz (+ .sha256)
#   DIST=/tmp/pkg/dist scripts/release_archive.sh
#
# The archive holds one folder, lstm-studio-VERSION/: the executable, _internal/, and the
# desktop entry, its icon and install-desktop-entry.sh that build.spec puts beside them.
# Linux only (a desktop entry, GNU tar); elsewhere it says so and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

DIST=${DIST:-dist}
PYTHON=${PYTHON:-.venv/bin/python}
BUNDLE="$DIST/lstm-studio"
step() { printf '\n== %s\n' "$*"; }
fail() {
    echo "release_archive: $*" >&2
    exit 1
}

[[ $(uname -s) == Linux ]] || {
    echo "release_archive: the archive is made on Linux only; $BUNDLE is the bundle here"
    exit 0
}
[[ -x $BUNDLE/lstm-studio ]] || fail "no bundle in $BUNDLE: run make package"

version=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
name="lstm-studio-$version-linux-$(uname -m)"
archive="$DIST/$name.tar.gz"

step "the bundle says it is $version, and carries its desktop entry"
said=$(QT_QPA_PLATFORM=offscreen "$BUNDLE/lstm-studio" --version)
[[ $said == "lstm-studio $version" ]] || fail "the bundle says '$said', pyproject.toml $version"
for file in lstm-studio.desktop lstm-studio.png install-desktop-entry.sh; do
    [[ -f $BUNDLE/$file ]] || fail "$BUNDLE/$file is missing (build.spec copies it)"
done
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$BUNDLE/lstm-studio.desktop"
fi
echo "ok: $said"

step "packing $archive"
rm -f "$archive" "$archive.sha256"
# Sorted names, no owner: the same bundle packs to the same list of entries on any machine.
tar -C "$DIST" --sort=name --owner=0 --group=0 --numeric-owner \
    --transform "flags=rh;s,^lstm-studio,$name," -czf "$archive.part" lstm-studio
mv "$archive.part" "$archive"
(cd "$DIST" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
cat "$archive.sha256"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lstm-studio-archive.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

step "unpacked in $scratch: its --self-test"
(cd "$DIST" && sha256sum --quiet -c "$name.tar.gz.sha256")
tar -C "$scratch" -xzf "$archive"
unpacked="$scratch/$name"
[[ -x $unpacked/lstm-studio ]] || fail "the archive has no $name/lstm-studio"
# Per-user folders in scratch: the test must not touch this machine's own.
XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache" \
    QT_QPA_PLATFORM=offscreen "$unpacked/lstm-studio" --self-test --screenshot "$scratch/self-test.png"

step "summary"
archive_bytes=$(stat -c %s "$archive")
unpacked_bytes=$(du -sb "$unpacked" | cut -f1)
mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
echo "archive:  $archive ($(mib "$archive_bytes"), $archive_bytes bytes)"
echo "unpacked: $name/ ($(mib "$unpacked_bytes"), $unpacked_bytes bytes)"
echo "checksum: $archive.sha256"
echo "release archive: unpacked and self-tested"
