#!/usr/bin/env bash
# Registers Synesthesia with the desktop for this user: synesthesia and synesthesia-gui linked
# into <prefix>/bin, the launcher in the application menu (<prefix>/share/applications/
# synesthesia.desktop, Exec = BIN/synesthesia-gui, with the MIME types it searches by), the
# icon (hicolor sizes and scalable) and the AppStream metainfo. install.sh calls it for its
# virtual environment; on its own it registers the frozen folder that `make bundle` builds:
#   installers/linux/register.sh dist/synesthesia            # BIN: the frozen folder
#   installers/linux/register.sh dist/synesthesia --remove   # unregister (library kept)
# Options: --icons DIR (default: BIN/_internal/resources/icons, where the frozen folder has
# them), --prefix DIR (default ~/.local), --remove.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ $# -ge 1 ] || { sed -n '2,10p' "$0"; exit 2; }
bin="$(cd "$1" && pwd)"; shift
icons="$bin/_internal/resources/icons"
prefix="$HOME/.local"
remove=0
while [ $# -gt 0 ]; do
    case "$1" in
        --icons) icons="$2"; shift 2 ;;
        --prefix) prefix="$2"; shift 2 ;;
        --remove) remove=1; shift ;;
        *) echo "register.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
share="$prefix/share"
if [ "$remove" = 1 ]; then
    rm -f "$prefix/bin/synesthesia" "$prefix/bin/synesthesia-gui" \
        "$share/applications/synesthesia.desktop" "$share/metainfo/synesthesia.metainfo.xml" \
        "$share"/icons/hicolor/*/apps/synesthesia.png "$share/icons/hicolor/scalable/apps/synesthesia.svg"
else
    [ -x "$bin/synesthesia-gui" ] || { echo "register.sh: no synesthesia-gui in $bin" >&2; exit 2; }
    mkdir -p "$prefix/bin" "$share/applications" "$share/metainfo" "$share/icons/hicolor/scalable/apps"
    ln -sfn "$bin/synesthesia" "$prefix/bin/synesthesia"
    ln -sfn "$bin/synesthesia-gui" "$prefix/bin/synesthesia-gui"
    sed "s|@BIN@|$bin|g" "$here/synesthesia.desktop" > "$share/applications/synesthesia.desktop"
    cp "$here/synesthesia.metainfo.xml" "$share/metainfo/synesthesia.metainfo.xml"
    for png in "$icons"/hicolor/*/apps/synesthesia.png; do
        size="$(basename "$(dirname "$(dirname "$png")")")"
        mkdir -p "$share/icons/hicolor/$size/apps"
        cp "$png" "$share/icons/hicolor/$size/apps/synesthesia.png"
    done
    cp "$icons/synesthesia.svg" "$share/icons/hicolor/scalable/apps/synesthesia.svg"
fi
command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
