#!/usr/bin/env bash
# Installs the frozen Synesthesia (no Python needed) for this user from the folder this script
# is in: the archive dist/synesthesia-<version>-linux-<machine>-frozen.tar.gz that `make
# bundle` packs (installers/frozen_archive.py). It puts
#   <prefix>/lib/synesthesia-frozen/                 the frozen folder (synesthesia,
#                                                     synesthesia-gui, _internal/), uninstall.sh
#                                                     and installed-files.txt (what it wrote)
#   <prefix>/bin/synesthesia, synesthesia-gui         links to the two executables
#   <prefix>/share/applications/synesthesia.desktop   the launcher in the application menu
#   <prefix>/share/icons/hicolor/*/apps/synesthesia.* the icon; share/metainfo: AppStream
# (register.sh does the desktop part, the same script the wheel's installer runs). The prefix
# is ~/.local unless --prefix DIR says. Your library and settings are not here: they stay in
# ~/.local/share/synesthesia and ~/.config/synesthesia, and uninstall.sh keeps them.
# An earlier frozen install under the same prefix is uninstalled first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="$HOME/.local"
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -x "$here/synesthesia/synesthesia-gui" ] || { echo "install.sh: no frozen build in $here/synesthesia" >&2; exit 2; }
old="$prefix/lib/synesthesia-frozen"
[ ! -f "$old/installed-files.txt" ] || "$old/uninstall.sh" >/dev/null
created=()  # the folders above the installation this script makes, parents first
dir="$prefix/lib"
while [ ! -e "$dir" ]; do created=("$dir" ${created[@]+"${created[@]}"}); dir="$(dirname "$dir")"; done
mkdir -p "$prefix/lib"
prefix="$(cd "$prefix" && pwd)"
app="$prefix/lib/synesthesia-frozen"
[ ! -e "$app" ] || { echo "install.sh: $app exists and is not an installation of Synesthesia; move it away first" >&2; exit 2; }
echo "Copying the frozen build into $app"
rm -rf "$app.partial"
cp -a "$here/synesthesia" "$app.partial"
mv "$app.partial" "$app"
cp "$here/uninstall.sh" "$app/uninstall.sh"
manifest="$app/installed-files.txt"
: > "$manifest"
for dir in ${created[@]+"${created[@]}"}; do printf 'dir %s\n' "$(cd "$dir" && pwd)" >> "$manifest"; done
"$here/register.sh" "$app" --prefix "$prefix" --manifest "$manifest"
echo "Installed $("$app/synesthesia" --version) (frozen)."
echo "  Window: Synesthesia in the application menu, or $prefix/bin/synesthesia-gui"
echo "  Command line: $prefix/bin/synesthesia --help"
echo "  Remove: $app/uninstall.sh (your library and settings are kept)"
