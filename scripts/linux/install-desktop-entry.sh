#!/usr/bin/env bash
# Put LSTM Studio in this person's application menu: the desktop entry beside this script,
# pointed at the lstm-studio beside it, and its icon, under ~/.local/share (XDG_DATA_HOME).
# Nothing outside that folder is touched; run it again after moving this folder.
#
#   ./install-desktop-entry.sh            # add (or update) the menu entry
#   ./install-desktop-entry.sh --remove   # take it away again
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/lstm-studio.desktop"
icon="$data/icons/hicolor/256x256/apps/lstm-studio.png"

if [[ ${1:-} == --remove ]]; then
    rm -f "$entry" "$icon"
    echo "removed $entry and $icon"
    exit 0
fi
mkdir -p "$(dirname "$entry")" "$(dirname "$icon")"
cp "$here/lstm-studio.png" "$icon"
# Exec names the program by its full path (quoted: the folder may hold spaces); Icon by the
# name the icon theme finds it under.
sed -e "s|^Exec=lstm-studio |Exec=\"$here/lstm-studio\" |" "$here/lstm-studio.desktop" >"$entry"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
echo "LSTM Studio is in the application menu: $entry"
