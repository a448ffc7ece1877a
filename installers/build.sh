#!/usr/bin/env bash
# Builds an installer from this checkout and its lock (PLATFORM: linux, the default; macos and
# windows are built the same way but their install scripts were not run here):
#   dist/synesthesia-<version>-<platform>.tar.gz, holding
#     synesthesia-<version>-py3-none-any.whl   the application, its model and resources
#     requirements.txt                         every dependency, pinned and hash-checked, from
#                                              uv.lock (all four platforms' markers)
#     install.sh, uninstall.sh (.ps1 on windows) per-user install (Linux: ~/.local or --prefix)
#     linux: synesthesia.desktop, synesthesia.metainfo.xml
# Reproducible: file times come from the last commit (SOURCE_DATE_EPOCH), the tarball is sorted
# and owner-less and gzip leaves out its own time stamp, so the same commit gives the same bytes.
# Usage: installers/build.sh [PLATFORM] [OUT_DIR]  (UV=path/to/uv; UV_OFFLINE=1: uv's cache only)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
platform="${1:-linux}"
case "$platform" in
    linux) scripts=(linux/install.sh linux/uninstall.sh linux/register.sh linux/synesthesia.desktop
                      linux/synesthesia.metainfo.xml) ;;
    macos) scripts=(macos/install.sh macos/uninstall.sh) ;;
    windows) scripts=(windows/install.ps1 windows/uninstall.ps1) ;;
    *) echo "build.sh: PLATFORM is linux, macos or windows, not $platform" >&2; exit 2 ;;
esac
out="$(mkdir -p "${2:-$repo/dist}" && cd "${2:-$repo/dist}" && pwd)"
uv="${UV:-$(command -v uv || echo "$repo/.venv-tools/bin/uv")}"
[ -x "$uv" ] || { echo "build.sh: uv not found (make installer installs it, or set UV)" >&2; exit 2; }
cd "$repo"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n 1)"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}"
name="synesthesia-$version-$platform"
stage="$out/$name"
rm -rf "$stage" "$out/$name.tar.gz" "$out/wheel"
mkdir -p "$stage" "$out/wheel"
"$uv" build --quiet --out-dir "$out/wheel"
cp "$out/wheel/synesthesia-$version-py3-none-any.whl" "$stage/"
"$uv" export --quiet --locked --no-header --no-emit-project --no-editable --format requirements-txt \
    --output-file "$stage/requirements.txt"
for f in "${scripts[@]}"; do cp "installers/$f" "$stage/"; done
chmod 755 "$stage"/*.sh 2>/dev/null || true
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -C "$out" -cf - "$name" | gzip -n -9 > "$out/$name.tar.gz"
rm -rf "$out/wheel"
echo "$out/$name.tar.gz"
