#!/usr/bin/env bash
# Registers Synesthesia with the desktop for this user: synesthesia and synesthesia-gui linked
# into <prefix>/bin, the launcher in the application menu (<prefix>/share/applications/
# synesthesia.desktop, Exec = BIN/synesthesia-gui, with the MIME types it searches by), the
# icon (hicolor sizes and scalable) and the AppStream metainfo. install.sh calls it for its
# virtual environment; on its own it registers the frozen folder that `make bundle` builds:
#   installers/linux/register.sh dist/synesthesia            # BIN: the frozen folder
#   installers/linux/register.sh dist/synesthesia --remove   # unregister (library kept)
# Options: --icons DIR (default: BIN/_internal/resources/icons, where the frozen folder has
# them), --prefix DIR (default ~/.local), --remove, --manifest FILE (append a line for every
# file, link, folder and desktop cache this run writes: "file PATH", "link PATH", "dir PATH",
# "cache PATH", in the order made, so that an uninstaller can remove exactly those; the frozen
# build's install.sh uses it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ $# -ge 1 ] || { sed -n '2,10p' "$0"; exit 2; }
bin="$(cd "$1" && pwd)"; shift
icons="$bin/_internal/resources/icons"
prefix="$HOME/.local"
remove=0
manifest=""
while [ $# -gt 0 ]; do
    case "$1" in
        --icons) icons="$2"; shift 2 ;;
        --prefix) prefix="$2"; shift 2 ;;
        --remove) remove=1; shift ;;
        --manifest) manifest="$2"; shift 2 ;;
        *) echo "register.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
share="$prefix/share"
# record KIND PATH: one manifest line (nothing without --manifest).
record() { [ -z "$manifest" ] || printf '%s %s\n' "$1" "$2" >> "$manifest"; }
# folders DIR...: mkdir -p, recording each folder that did not exist yet, parents first.
folders() {
    local dir missing
    for dir in "$@"; do
        missing=()
        while [ ! -e "$dir" ]; do missing=("$dir" ${missing[@]+"${missing[@]}"}); dir="$(dirname "$dir")"; done
        for dir in ${missing[@]+"${missing[@]}"}; do mkdir "$dir"; record dir "$dir"; done
    done
}
if [ "$remove" = 1 ]; then
    rm -f "$prefix/bin/synesthesia" "$prefix/bin/synesthesia-gui" \
        "$share/applications/synesthesia.desktop" "$share/metainfo/synesthesia.metainfo.xml" \
        "$share"/icons/hicolor/*/apps/synesthesia.png "$share/icons/hicolor/scalable/apps/synesthesia.svg"
else
    [ -x "$bin/synesthesia-gui" ] || { echo "register.sh: no synesthesia-gui in $bin" >&2; exit 2; }
    folders "$prefix/bin" "$share/applications" "$share/metainfo" "$share/icons/hicolor/scalable/apps"
    for name in synesthesia synesthesia-gui; do
        record link "$prefix/bin/$name"; ln -sfn "$bin/$name" "$prefix/bin/$name"
    done
    record file "$share/applications/synesthesia.desktop"
    sed "s|@BIN@|$bin|g" "$here/synesthesia.desktop" > "$share/applications/synesthesia.desktop"
    record file "$share/metainfo/synesthesia.metainfo.xml"
    cp "$here/synesthesia.metainfo.xml" "$share/metainfo/synesthesia.metainfo.xml"
    for png in "$icons"/hicolor/*/apps/synesthesia.png; do
        size="$(basename "$(dirname "$(dirname "$png")")")"
        folders "$share/icons/hicolor/$size/apps"
        record file "$share/icons/hicolor/$size/apps/synesthesia.png"
        cp "$png" "$share/icons/hicolor/$size/apps/synesthesia.png"
    done
    record file "$share/icons/hicolor/scalable/apps/synesthesia.svg"
    cp "$icons/synesthesia.svg" "$share/icons/hicolor/scalable/apps/synesthesia.svg"
fi
# The desktop's caches; a cache this run brings into being is recorded as "cache PATH".
refresh() {  # refresh CACHE COMMAND...
    local cache="$1"; shift
    command -v "$1" >/dev/null || return 0
    [ -e "$cache" ] || [ "$remove" = 1 ] || record cache "$cache"
    "$@" || true
}
refresh "$share/applications/mimeinfo.cache" update-desktop-database -q "$share/applications"
[ ! -d "$share/icons/hicolor" ] || refresh "$share/icons/hicolor/icon-theme.cache" \
    gtk-update-icon-cache -q -t "$share/icons/hicolor"
