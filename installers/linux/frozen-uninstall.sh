#!/usr/bin/env bash
# Removes what the frozen build's install.sh installed, and nothing else: the files, links and
# folders listed in <prefix>/lib/synesthesia-frozen/installed-files.txt (a folder only when it
# is empty; a link only while it still points into the installation; the launcher, icons and
# metainfo only while the launcher is still this installation's, not another install's that
# replaced it), then the installation folder itself. Your library (~/.local/share/synesthesia)
# and settings (~/.config/synesthesia) are kept: delete them yourself if you want them gone.
# Run the copy in the installation folder, or this one with --prefix DIR (default ~/.local).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -f "$here/installed-files.txt" ]; then
    app="$here"
else
    prefix="$HOME/.local"
    if [ "${1:-}" = "--prefix" ]; then prefix="$2"; fi
    app="$prefix/lib/synesthesia-frozen"
fi
manifest="$app/installed-files.txt"
[ -f "$manifest" ] && [ -x "$app/synesthesia-gui" ] \
    || { echo "uninstall.sh: no frozen Synesthesia installed in $app" >&2; exit 1; }
ours=1
while read -r kind path; do
    case "$path" in
        */share/applications/synesthesia.desktop)
            [ ! -f "$path" ] || grep -qxF "Exec=$app/synesthesia-gui %f" "$path" || ours=0 ;;
    esac
done < "$manifest"
[ "$ours" = 1 ] || echo "uninstall.sh: the launcher now belongs to another installation of Synesthesia; left as it is"
mapfile -t lines < <(tac "$manifest")  # last made, first removed
for line in "${lines[@]}"; do
    kind="${line%% *}"; path="${line#* }"
    case "$kind" in
        link) [ ! -L "$path" ] || case "$(readlink "$path")" in "$app"/*) rm -f "$path" ;; esac ;;
        file) [ "$ours" = 0 ] || rm -f "$path" ;;
    esac
done
# A desktop cache this installation brought into being goes when nothing is left in it to
# describe; otherwise it is brought up to date.
for line in "${lines[@]}"; do
    [ "${line%% *}" = cache ] || continue
    cache="${line#* }"; folder="$(dirname "$cache")"
    case "$cache" in
        */mimeinfo.cache) tool=(update-desktop-database -q "$folder")
            left="$(find "$folder" -maxdepth 1 -name '*.desktop' | head -n 1)" ;;
        *) tool=(gtk-update-icon-cache -q -t "$folder")
            left="$(find "$folder" -mindepth 3 -type f | head -n 1)" ;;
    esac
    if [ -z "$left" ]; then rm -f "$cache"
    elif command -v "${tool[0]}" >/dev/null; then "${tool[@]}" || true; fi
done
rm -rf "$app"
for line in "${lines[@]}"; do  # folders it made, if nothing else is in them now
    [ "${line%% *}" != dir ] || rmdir "${line#* }" 2>/dev/null || true
done
echo "Removed the frozen Synesthesia from $app; your library and settings were kept."
