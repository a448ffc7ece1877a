#!/usr/bin/env bash
# Installs Synesthesia for this user from the folder this script is in (made by
# installers/build.sh):
#   <prefix>/lib/synesthesia/venv   a virtual environment with exactly the locked dependencies
#                                    (requirements.txt, every file checked against its sha256)
#                                    and the application's wheel
#   <prefix>/bin/synesthesia, synesthesia-gui           the two commands
#   <prefix>/share/applications/synesthesia.desktop     the launcher in the application menu
#   <prefix>/share/icons/hicolor/*/apps/synesthesia.*   its icon; share/metainfo: AppStream
# The prefix is ~/.local unless --prefix says. Your library and settings are not here: they
# stay in ~/.local/share/synesthesia and ~/.config/synesthesia, and uninstall.sh keeps them.
# Needs Python >= 3.11 and uv (on PATH, or UV=...; without it uv 0.13.9 is installed into
# <prefix>/lib/synesthesia/tools with pip). --offline: use uv's cache only, no downloads.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="$HOME/.local"
python="${PYTHON:-python3}"
offline=()
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --python) python="$2"; shift 2 ;;
        --offline) offline=(--offline); shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
app="$prefix/lib/synesthesia"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "install.sh: Synesthesia needs Python 3.11 or newer ($python is older)" >&2; exit 2; }
uv="${UV:-$(command -v uv || true)}"
if [ -z "$uv" ]; then
    "$python" -m venv "$app/tools"
    "$app/tools/bin/python" -m pip install --quiet uv==0.13.9
    uv="$app/tools/bin/uv"
fi
wheel="$(ls "$here"/synesthesia-*-py3-none-any.whl | head -n 1)"
echo "Installing $(basename "$wheel") into $app/venv"
rm -rf "$app/venv"
"$uv" venv --quiet --python "$python" "$app/venv"
# wheels/: hnswlib built when the installer was built. Where it fits this Python and machine,
# uv must take it (PyPI's sdist would otherwise come first, and need a C++ compiler).
links=()
if [ -d "$here/wheels" ]; then
    links=(--find-links "$here/wheels")
    py_tag="$("$python" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')"
    if ls "$here"/wheels/hnswlib-*-"$py_tag"-*-linux_"$(uname -m)".whl > /dev/null 2>&1; then
        links+=(--only-binary hnswlib)
    fi
fi
"$uv" pip sync --quiet "${offline[@]}" "${links[@]}" --require-hashes \
    --python "$app/venv/bin/python" "$here/requirements.txt"
"$uv" pip install --quiet "${offline[@]}" --no-deps --python "$app/venv/bin/python" "$wheel"
bin="$app/venv/bin"
icons="$("$bin/python" -c 'from core.resources import resource; print(resource("icons"))')"
"$here/register.sh" "$bin" --icons "$icons" --prefix "$prefix"
echo "Installed $("$bin/synesthesia" --version)."
echo "  Window: Synesthesia in the application menu, or $prefix/bin/synesthesia-gui"
echo "  Command line: $prefix/bin/synesthesia --help"
echo "  Remove: $app/uninstall.sh (your library and settings are kept)"
cp "$here/uninstall.sh" "$app/uninstall.sh"
