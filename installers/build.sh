#!/usr/bin/env bash
# Builds an installer from this checkout and its lock (PLATFORM: linux, the default; macos and
# windows are built the same way but their install scripts were not run here):
#   dist/synesthesia-<version>-<platform>.tar.gz, holding
#     synesthesia-<version>-py3-none-any.whl   the application, its model and resources
#     requirements.txt                         every dependency, pinned and hash-checked, from
#                                              uv.lock (all four platforms' markers)
#     wheels/hnswlib-*.whl                     (linux) hnswlib built here: no compiler to install
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
# hnswlib publishes only an sdist, which needs a C++ compiler and Python's headers. Its wheel is
# built once here, from the lock's own sdist (hash checked) with the pinned build tools, and ships
# in wheels/ with its sha256 added to requirements.txt: install.sh then installs it (uv prefers a
# wheel that fits) and the user's machine compiles nothing. The wheel is for this builder's
# platform and Python (cp311 on linux x86_64 here); elsewhere install.sh falls back to the sdist.
prebuild_hnswlib() {
    local req="$stage/requirements.txt" ver url sdist_hash cache numpy_pin wheel
    read -r ver url sdist_hash < <(python3 - "$repo/uv.lock" <<'PY'
import sys, tomllib
lock = tomllib.load(open(sys.argv[1], "rb"))
pkg = next(p for p in lock["package"] if p["name"] == "hnswlib")
print(pkg["version"], pkg["sdist"]["url"], pkg["sdist"]["hash"].removeprefix("sha256:"))
PY
)
    # built once per sdist, Python and machine, then reused: the same bytes in every build
    cache="${SYNESTHESIA_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/synesthesia/installer}"
    cache="$cache/hnswlib-$ver-${sdist_hash:0:16}-$(python3 -c 'import sys; print("cp%d%d" % sys.version_info[:2])')-$(uname -m)"
    if ! ls "$cache"/hnswlib-*.whl > /dev/null 2>&1; then
        mkdir -p "$cache/src"
        [ -f "$cache/src/${url##*/}" ] || curl --fail --silent --show-error --location \
            --output "$cache/src/${url##*/}" "$url"
        echo "$sdist_hash  $cache/src/${url##*/}" | sha256sum --check --quiet
        numpy_pin="$(sed -n 's/^numpy==\([^ ]*\).*/\1/p' "$req" | head -n 1)"
        printf '%s\n' setuptools==81.0.0 wheel==0.48.0 pybind11==3.1.0 "numpy==$numpy_pin" \
            > "$cache/src/constraints.txt"
        "$uv" build --quiet --wheel --python python3 --build-constraint "$cache/src/constraints.txt" \
            --out-dir "$cache" "$cache/src/${url##*/}"
        rm -f "$cache/.gitignore"
    fi
    mkdir -p "$stage/wheels"
    cp "$cache"/hnswlib-*.whl "$stage/wheels/"
    wheel="$(ls "$stage"/wheels/hnswlib-*.whl)"
    python3 - "$req" "$(sha256sum "$wheel" | cut -d' ' -f1)" <<'PY'
import re, sys
path, digest = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(r"(^hnswlib==[^\n]*?)( \\\n|\n)", lambda m: f"{m.group(1)} \\\n    --hash=sha256:{digest}{m.group(2)}",
              text, count=1, flags=re.M)
open(path, "w").write(text)
PY
}
[ "$platform" = linux ] && prebuild_hnswlib
for f in "${scripts[@]}"; do cp "installers/$f" "$stage/"; done
chmod 755 "$stage"/*.sh 2>/dev/null || true
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -C "$out" -cf - "$name" | gzip -n -9 > "$out/$name.tar.gz"
rm -rf "$out/wheel"
echo "$out/$name.tar.gz"
