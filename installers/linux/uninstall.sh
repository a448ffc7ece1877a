#!/usr/bin/env bash
# Removes what install.sh installed (the environment, the commands, the launcher, the icon).
# Your library (~/.local/share/synesthesia) and settings (~/.config/synesthesia) are kept:
# delete those folders yourself if you want them gone. Usage: uninstall.sh [--prefix DIR]
set -euo pipefail
prefix="$HOME/.local"
if [ "${1:-}" = "--prefix" ]; then prefix="$2"; fi
app="$prefix/lib/synesthesia"
[ -d "$app/venv" ] || { echo "uninstall.sh: Synesthesia is not installed under $prefix" >&2; exit 1; }
rm -f "$prefix/bin/synesthesia" "$prefix/bin/synesthesia-gui" \
    "$prefix/share/applications/synesthesia.desktop" "$prefix/share/metainfo/synesthesia.metainfo.xml"
rm -f "$prefix"/share/icons/hicolor/*/apps/synesthesia.png "$prefix/share/icons/hicolor/scalable/apps/synesthesia.svg"
rm -rf "$app"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$prefix/share/applications" || true
echo "Removed Synesthesia from $prefix; your library and settings were kept."
